import type { VoteStore } from "../core/ports.ts";
import { ballotKey } from "../redis/keys.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/** VoteStore on Redis over TCP (node-redis): reads back what the stream ballot box wrote. */
export function createVoteStore(client: RedisClient, prefix: string): VoteStore {
  return {
    async currentChoice(poll, voter) {
      return (await answered(client.hGet(ballotKey(prefix, poll, voter), "choice"))) ?? null;
    },
    async ping() {
      await answered(client.ping());
    },
  };
}
