import type { Redis } from "@upstash/redis/cloudflare";
import type { VoteStore } from "../core/ports.ts";
import { votersKey } from "../redis/keys.ts";

/** VoteStore on Upstash Redis over REST: reads back what the choice recorder wrote. */
export function createVoteStore(redis: Redis, prefix: string): VoteStore {
  return {
    async currentChoices(poll, voter) {
      const choice = await redis.hget<string>(votersKey(prefix, poll), voter);
      return choice ? String(choice).split(",") : null;
    },
    async ping() {
      await redis.ping();
    },
  };
}
