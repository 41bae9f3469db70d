import type { PollStore } from "../core/ports.ts";
import { pollHashKey } from "../redis/keys.ts";
import { pollFromFields, pollToFields } from "../redis/poll-fields.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/** PollStore on Redis over TCP: one hash per poll, kept for `ttlSeconds` after its last write. */
export function createPollStore(client: RedisClient, prefix: string, ttlSeconds: number): PollStore {
  return {
    async readPoll(id) {
      return pollFromFields(id, await answered(client.hGetAll(pollHashKey(prefix, id))));
    },
    async writePoll(poll) {
      const key = pollHashKey(prefix, poll.id);
      await answered(client.multi().hSet(key, pollToFields(poll)).expire(key, ttlSeconds).exec());
    },
  };
}
