import type { Context } from "hono";
import type { LiveResults } from "../core/read-results.ts";
import type { Poll } from "../domain/polls.ts";
import type { AppServices } from "./deps.ts";
import { noSuchPoll, refusedVote } from "./errors.tsx";
import { ensureVoter } from "./middleware/voter-cookie.ts";

/** Casts the vote a request carries; a refusal becomes the HTTPException that says why. */
export async function castVoteFromRequest(c: Context, services: AppServices, poll: unknown, choice: unknown) {
  const outcome = await services.useCases.castVote({
    poll,
    choice,
    client: services.clientAddress(c),
    voter: async () => (await ensureVoter(c, services.signer)).id,
  });
  if (!outcome.ok) throw refusedVote(outcome);
  return outcome;
}

/** The results of a poll (the default one when `pollId` is empty); unknown polls are a 404. */
export async function resultsOf(c: Context, services: AppServices, pollId: unknown): Promise<LiveResults> {
  const results = await services.useCases.readResults(pollId, services.clientAddress(c));
  if (!results) throw noSuchPoll();
  return results;
}

/** The poll a request names (the default one when `pollId` is empty); unknown polls are a 404. */
export async function pollOf(c: Context, services: AppServices, pollId: unknown): Promise<Poll> {
  const poll = await services.useCases.findPoll(pollId, services.clientAddress(c));
  if (!poll) throw noSuchPoll();
  return poll;
}
