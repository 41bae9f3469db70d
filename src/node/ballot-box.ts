import { type BallotBox, UnavailableError } from "../core/ports.ts";
import { ballotMessage } from "../domain/ballots.ts";
import { streamNames } from "../redis/keys.ts";
import { scriptOutcome, voteScriptArgs } from "../redis/vote-args.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/**
 * BallotBox on Redis alone: checks the vote against the poll's revision,
 * its opening hours, its protection and the limits, records the choice with
 * the next version and appends the ballot to the stream in one script, one
 * round trip.
 */
export function createBallotBox(client: RedisClient, prefix: string, ttlSeconds: number): BallotBox {
  const { stream } = streamNames(prefix);
  return {
    async cast(vote, limits) {
      const { keys, args } = voteScriptArgs(prefix, vote, limits, ttlSeconds);
      // The ballot's JSON around its version, which only the script knows (the store's clock).
      const ballot = { ...vote, version: 0, revision: vote.revision ?? 0 };
      const { version: _, castAt, rev, ...before } = ballotMessage(ballot);
      const head = JSON.stringify(before).slice(0, -1);
      const tail = `,${JSON.stringify(rev === undefined ? { castAt } : { castAt, rev }).slice(1)}`;
      let reply: readonly number[];
      try {
        reply = await answered(client.castBallot([...keys, stream], [...args, head, tail]));
      } catch (error) {
        // maxmemory reached (noeviction): nothing was written; the consumer draining the stream makes room.
        if (error instanceof Error && error.message.startsWith("OOM")) {
          throw new UnavailableError("Redis is full", 5, { cause: error });
        }
        throw error;
      }
      const outcome = scriptOutcome(Number(reply[0]), Number(reply[1]));
      if (!outcome.ok) return outcome;
      return {
        ok: true,
        ballot: {
          poll: vote.poll,
          voter: vote.voter,
          choices: vote.choices,
          version: outcome.version,
          castAt: vote.castAt,
          revision: ballot.revision,
        },
      };
    },
  };
}
