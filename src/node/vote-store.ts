import type { VoteStore } from "../core/ports.ts";
import { votersKey } from "../redis/keys.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/** VoteStore on Redis over TCP (node-redis): reads back what the ballot box wrote. */
export function createVoteStore(client: RedisClient, prefix: string): VoteStore {
  return {
    async currentChoices(poll, voter) {
      const choice = await answered(client.hGet(votersKey(prefix, poll), voter));
      return choice ? choice.split(",") : null;
    },
    async ping() {
      await answered(client.ping());
    },
  };
}
