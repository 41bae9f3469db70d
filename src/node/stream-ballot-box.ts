import { type BallotBox, VotingUnavailableError } from "../core/ports.ts";
import { ballotKey, streamNames } from "../redis/keys.ts";
import type { RedisClient } from "./redis-client.ts";

/**
 * BallotBox on Redis alone: records the choice, bumps the version and appends
 * the ballot to the stream in one script, one round trip.
 */
export function createStreamBallotBox(client: RedisClient, prefix: string, ttlSeconds: number): BallotBox {
  const { stream } = streamNames(prefix);
  const ttl = String(ttlSeconds);
  return {
    async cast({ poll, voter, choice, castAt }) {
      try {
        const version = await client.castBallot(
          [ballotKey(prefix, poll, voter), stream],
          [choice, poll, voter, castAt, ttl],
        );
        return { poll, voter, choice, version, castAt };
      } catch (error) {
        // maxmemory reached (noeviction): nothing was written; the consumer draining the stream makes room.
        if (error instanceof Error && error.message.startsWith("OOM")) {
          throw new VotingUnavailableError("Redis is full", 5, { cause: error });
        }
        throw error;
      }
    },
  };
}
