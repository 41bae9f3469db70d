import type { Redis } from "@upstash/redis/cloudflare";
import type { PollStore } from "../core/ports.ts";
import { pollHashKey } from "../redis/keys.ts";
import { pollFromFields, pollToFields } from "../redis/poll-fields.ts";

/** PollStore on Upstash Redis over REST: one hash per poll, kept for `ttlSeconds` after its last write. */
export function createPollStore(redis: Redis, prefix: string, ttlSeconds: number): PollStore {
  return {
    async readPoll(id) {
      return pollFromFields(id, await redis.hgetall<Record<string, string>>(pollHashKey(prefix, id)));
    },
    async writePoll(poll) {
      const key = pollHashKey(prefix, poll.id);
      // One transaction: the auto-pipelining client must not reorder the write and its expiry.
      await redis.multi().hset(key, pollToFields(poll)).expire(key, ttlSeconds).exec();
    },
  };
}
