import type { Redis } from "@upstash/redis/cloudflare";
import type { VoteStore } from "../core/ports.ts";
import { ballotKey } from "../redis/keys.ts";

/** VoteStore on Upstash Redis over REST: reads back what the choice recorder wrote. */
export function createVoteStore(redis: Redis, prefix: string): VoteStore {
  return {
    async currentChoice(poll, voter) {
      return await redis.hget<string>(ballotKey(prefix, poll, voter), "choice");
    },
    async ping() {
      await redis.ping();
    },
  };
}
