import type { PollStore } from "../core/ports.ts";
import { addressesKey, pollHashKey, votersKey } from "../redis/keys.ts";
import { fieldArgs, pollFromFields, pollToFields } from "../redis/poll-fields.ts";
import { WRITE_AND_FORGET_VOTERS_SCRIPT, WRITE_IF_UNVOTED_SCRIPT } from "../redis/scripts.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/**
 * PollStore on Redis over TCP: one hash per poll, kept for `ttlSeconds`
 * after its last write, beside its voters and addresses hashes.
 */
export function createPollStore(client: RedisClient, prefix: string, ttlSeconds: number): PollStore {
  const keysOf = (id: string) => [pollHashKey(prefix, id), votersKey(prefix, id), addressesKey(prefix, id)];
  return {
    async readPoll(id) {
      return pollFromFields(id, await answered(client.hGetAll(pollHashKey(prefix, id))));
    },
    async writePoll(poll) {
      const key = pollHashKey(prefix, poll.id);
      await answered(client.multi().hSet(key, pollToFields(poll)).expire(key, ttlSeconds).exec());
    },
    async writeUnvoted(poll) {
      const written = await answered(
        client.eval(WRITE_IF_UNVOTED_SCRIPT, {
          keys: keysOf(poll.id).slice(0, 2),
          arguments: [String(ttlSeconds), ...fieldArgs(poll)],
        }),
      );
      return Number(written) === 1;
    },
    async writeReset(poll) {
      await answered(
        client.eval(WRITE_AND_FORGET_VOTERS_SCRIPT, {
          keys: keysOf(poll.id),
          arguments: [String(ttlSeconds), ...fieldArgs(poll)],
        }),
      );
    },
    async deletePoll(id) {
      await answered(client.del(keysOf(id)));
    },
  };
}
