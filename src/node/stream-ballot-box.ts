import type { BallotBox } from "../core/ports.ts";
import { ballotKey, streamNames } from "../redis/keys.ts";
import type { RedisClient } from "./redis-client.ts";

/**
 * BallotBox on Redis alone: records the choice, bumps the version and appends
 * the ballot to the stream in one script, one round trip.
 */
export function createStreamBallotBox(client: RedisClient, prefix: string): BallotBox {
  const { stream } = streamNames(prefix);
  return {
    async cast({ poll, voter, choice, castAt }) {
      const version = await client.castBallot([ballotKey(prefix, poll, voter), stream], [choice, poll, voter, castAt]);
      return { poll, voter, choice, version, castAt };
    },
  };
}
