import type { Redis } from "@upstash/redis/cloudflare";
import type { PollStore } from "../core/ports.ts";
import { pollHashKey } from "../redis/keys.ts";
import { pollFromFields, pollToFields } from "../redis/poll-fields.ts";

/** PollStore on Upstash Redis over REST: one hash per poll, kept for `ttlSeconds` after its last write. */
export function createPollStore(redis: Redis, prefix: string, ttlSeconds: number): PollStore {
  return {
    async readPoll(id) {
      // The raw client (automaticDeserialization off) answers HGETALL as Redis does: [field, value, ...].
      const reply = await redis.hgetall(pollHashKey(prefix, id));
      return pollFromFields(id, Array.isArray(reply) ? fieldsOf(reply) : reply);
    },
    async writePoll(poll) {
      const key = pollHashKey(prefix, poll.id);
      // One transaction: the auto-pipelining client must not reorder the write and its expiry.
      await redis.multi().hset(key, pollToFields(poll)).expire(key, ttlSeconds).exec();
    },
  };
}

function fieldsOf(reply: readonly unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  return fields;
}
