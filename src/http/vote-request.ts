import type { Context } from "hono";
import { castVote } from "../core/cast-vote.ts";
import { type LiveResults, readResults } from "../core/read-results.ts";
import type { AppServices } from "./deps.ts";
import { noSuchPoll, refusedVote } from "./errors.tsx";
import { ensureVoter } from "./middleware/voter-cookie.ts";

/** Casts the vote a request carries; a refusal becomes the HTTPException that says why. */
export async function castVoteFromRequest(c: Context, services: AppServices, poll: unknown, choice: unknown) {
  const { deps } = services;
  const outcome = await castVote(
    {
      polls: services.polls,
      ballotBox: deps.ballotBox,
      limits: { perAddress: deps.config.voteRateLimit, perVoter: deps.config.voterRateLimit },
      clock: deps.clock,
    },
    {
      poll,
      choice,
      client: deps.clientIp?.(c),
      voter: async () => (await ensureVoter(c, services.signer)).id,
    },
  );
  if (!outcome.ok) throw refusedVote(outcome);
  return outcome;
}

/** The results of a poll (the default one when `pollId` is empty); unknown polls are a 404. */
export async function resultsOf(services: AppServices, pollId: unknown): Promise<LiveResults> {
  const results = await readResults({ polls: services.polls, readTallies: services.readTallies }, pollId);
  if (!results) throw noSuchPoll();
  return results;
}
