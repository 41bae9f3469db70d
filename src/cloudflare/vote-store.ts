import type { Redis } from "@upstash/redis/cloudflare";
import type { VoteStore } from "../core/ports.ts";
import { votersKey } from "../redis/keys.ts";
import { heldChoices } from "../redis/vote-args.ts";

/** VoteStore on Upstash Redis over REST: reads back what the choice recorder wrote. */
export function createVoteStore(redis: Redis, prefix: string): VoteStore {
  return {
    async currentChoices(poll, voter) {
      const field = await redis.hget<string>(votersKey(prefix, poll), voter);
      return heldChoices(field === null ? null : String(field));
    },
    async ping() {
      await redis.ping();
    },
  };
}
