import type { Redis } from "@upstash/redis/cloudflare";
import type { PollStore } from "../core/ports.ts";
import { addressesKey, pollHashKey, votersKey } from "../redis/keys.ts";
import { fieldArgs, pollFromFields, pollToFields } from "../redis/poll-fields.ts";
import { WRITE_AND_FORGET_VOTERS_SCRIPT, WRITE_IF_UNVOTED_SCRIPT } from "../redis/scripts.ts";
import { UPSTASH_SCRIPT_FLAGS } from "./redis-client.ts";

/**
 * PollStore on Upstash Redis over REST: one hash per poll, kept for
 * `ttlSeconds` after its last write, beside its voters and addresses hashes.
 */
export function createPollStore(redis: Redis, prefix: string, ttlSeconds: number): PollStore {
  const keysOf = (id: string) => [pollHashKey(prefix, id), votersKey(prefix, id), addressesKey(prefix, id)];
  const writeUnvoted = redis.createScript<number>(UPSTASH_SCRIPT_FLAGS + WRITE_IF_UNVOTED_SCRIPT);
  const writeReset = redis.createScript<number>(UPSTASH_SCRIPT_FLAGS + WRITE_AND_FORGET_VOTERS_SCRIPT);
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
    async writeUnvoted(poll) {
      const written = await writeUnvoted.exec(keysOf(poll.id).slice(0, 2), [String(ttlSeconds), ...fieldArgs(poll)]);
      return Number(written) === 1;
    },
    async writeReset(poll) {
      await writeReset.exec(keysOf(poll.id), [String(ttlSeconds), ...fieldArgs(poll)]);
    },
    async deletePoll(id) {
      await redis.del(...keysOf(id));
    },
  };
}

function fieldsOf(reply: readonly unknown[]): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i + 1 < reply.length; i += 2) fields[String(reply[i])] = reply[i + 1];
  return fields;
}
