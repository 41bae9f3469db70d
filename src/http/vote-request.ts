import type { Context } from "hono";
import { castVote } from "../core/cast-vote.ts";
import type { TallySnapshot } from "../core/last-known-tallies.ts";
import { type LiveResults, readResults } from "../core/read-results.ts";
import type { AppDeps } from "./deps.ts";
import { noSuchPoll, refusedVote } from "./errors.tsx";
import { ensureVoter } from "./middleware/voter-cookie.ts";

/** Casts the vote a request carries; a refusal becomes the HTTPException that says why. */
export async function castVoteFromRequest(c: Context, deps: AppDeps, poll: unknown, choice: unknown) {
  const outcome = await castVote(
    { polls: deps.config.polls, ballotBox: deps.ballotBox, rateLimiter: deps.rateLimiter, clock: deps.clock },
    {
      poll,
      choice,
      client: deps.clientIp?.(c),
      voter: async () => (await ensureVoter(c, deps.config.cookieSecret)).id,
    },
  );
  if (!outcome.ok) throw refusedVote(outcome);
  return outcome;
}

/** The results of the poll a request names (`?poll=`, else the default one); unknown polls are a 404. */
export async function resultsFromRequest(
  c: Context,
  deps: AppDeps,
  readTallies: (poll: string) => Promise<TallySnapshot>,
): Promise<LiveResults> {
  const results = await readResults({ polls: deps.config.polls, readTallies }, c.req.query("poll"));
  if (!results) throw noSuchPoll();
  return results;
}
