import type { Redis } from "@upstash/redis/cloudflare";
import type { PollStore } from "../core/ports.ts";
import { pollHashKey } from "../redis/keys.ts";
import { pollFromFields, pollToFields } from "../redis/poll-fields.ts";

/** PollStore on Upstash Redis over REST: one hash per poll, kept for `ttlSeconds` after its last write. */
export function createPollStore(redis: Redis, prefix: string, ttlSeconds: number): PollStore {
  return {
    async readPoll(id) {
      // The client doesn't deserialize (redis-client.ts): HGETALL answers Redis's flat [field, value, ...] list.
      const flat = (await redis.hgetall(pollHashKey(prefix, id))) as unknown as string[] | null;
      return pollFromFields(id, flat && Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]]))));
    },
    async writePoll(poll) {
      const key = pollHashKey(prefix, poll.id);
      // One transaction: the auto-pipelining client must not reorder the write and its expiry.
      await redis.multi().hset(key, pollToFields(poll)).expire(key, ttlSeconds).exec();
    },
  };
}
