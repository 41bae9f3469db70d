import type { VoteStore } from "../core/ports.ts";
import { votersKey } from "../redis/keys.ts";
import { heldChoices } from "../redis/vote-args.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/** VoteStore on Redis over TCP (node-redis): reads back what the ballot box wrote. */
export function createVoteStore(client: RedisClient, prefix: string): VoteStore {
  return {
    async currentChoices(poll, voter) {
      return heldChoices(await answered(client.hGet(votersKey(prefix, poll), voter)));
    },
    async ping() {
      await answered(client.ping());
    },
  };
}
