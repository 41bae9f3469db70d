import { type BallotBox, UnavailableError } from "../core/ports.ts";
import { ballotKey, streamNames, voteLimitKeys } from "../redis/keys.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/**
 * BallotBox on Redis alone: counts the vote against its limits, records the
 * choice with the next version and appends the ballot to the stream in one
 * script, one round trip.
 */
export function createBallotBox(client: RedisClient, prefix: string, ttlSeconds: number): BallotBox {
  const { stream } = streamNames(prefix);
  const ttl = String(ttlSeconds);
  return {
    async cast({ poll, voter, choice, castAt }, limits) {
      try {
        const windows = voteLimitKeys(prefix, limits.address, voter, limits.windowMs);
        const reply = await answered(
          client.castBallot(
            [ballotKey(prefix, poll, voter), stream, windows.address, windows.voter],
            [
              choice,
              poll,
              voter,
              castAt,
              ttl,
              String(limits.perAddress),
              String(limits.perVoter),
              String(limits.windowMs),
            ],
          ),
        );
        if (reply < 0) return { ok: false, retryAfter: Math.max(1, Math.ceil(-reply / 1000)) };
        return { ok: true, ballot: { poll, voter, choice, version: reply, castAt } };
      } catch (error) {
        // maxmemory reached (noeviction): nothing was written; the consumer draining the stream makes room.
        if (error instanceof Error && error.message.startsWith("OOM")) {
          throw new UnavailableError("Redis is full", 5, { cause: error });
        }
        throw error;
      }
    },
  };
}
