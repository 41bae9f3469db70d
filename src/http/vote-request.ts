import type { Context } from "hono";
import { ANYONE, type LiveResults, type ViewerOf } from "../core/read-results.ts";
import type { Poll } from "../domain/polls.ts";
import type { AppServices } from "./deps.ts";
import { noSuchPoll, refusedVote } from "./errors.tsx";
import { manageTokenOf } from "./middleware/manage-cookie.ts";
import { hasVoted, markVoted } from "./middleware/voted-cookie.ts";
import { ensureVoter, existingVoter } from "./middleware/voter-cookie.ts";

/**
 * Casts the vote a request carries; a refusal becomes the HTTPException
 * that says why. On a poll whose counts a voter sees once they voted, the
 * voter gets the mark that shows them.
 */
export async function castVoteFromRequest(
  c: Context,
  services: AppServices,
  input: { poll: unknown; choice: unknown; challenge?: unknown },
) {
  let voter = "";
  const outcome = await services.useCases.castVote({
    ...input,
    client: services.clientAddress(c),
    voter: async () => {
      voter = (await ensureVoter(c, services.signer)).id;
      return voter;
    },
  });
  if (!outcome.ok) throw refusedVote(outcome);
  if (outcome.poll.results === "after-vote") await markVoted(c, services.signer, outcome.poll, voter);
  return outcome;
}

/**
 * Who asks for a poll's results: its owner (the manage cookie or a bearer
 * token), and whether they voted (their mark). Only looked into when the
 * poll hides its counts from someone: a poll showing them to all costs nothing.
 */
export function viewerOf(c: Context, services: AppServices): ViewerOf {
  return async (poll) => {
    if (poll.results === "always") return { owner: false, voted: false };
    const owner = await services.useCases.ownsPoll(poll, manageTokenOf(c));
    const voted =
      !owner && poll.results === "after-vote"
        ? await hasVoted(c, services.signer, poll, await existingVoter(c, services.signer))
        : false;
    return { owner, voted };
  };
}

/** The results of a poll (the default one when `pollId` is empty) as this request may see them; unknown polls are a 404. */
export async function resultsOf(c: Context, services: AppServices, pollId: unknown): Promise<LiveResults> {
  const results = await services.useCases.readResults(pollId, services.clientAddress(c), viewerOf(c, services));
  if (!results) throw noSuchPoll();
  return results;
}

/** A poll's results as anyone may see them, whoever asks (for a page shown to a room); unknown polls are a 404. */
export async function publicResultsOf(c: Context, services: AppServices, pollId: unknown): Promise<LiveResults> {
  const results = await services.useCases.readResults(pollId, services.clientAddress(c), ANYONE);
  if (!results) throw noSuchPoll();
  return results;
}

/** The poll a request names (the default one when `pollId` is empty); unknown polls are a 404. */
export async function pollOf(c: Context, services: AppServices, pollId: unknown): Promise<Poll> {
  const poll = await services.useCases.findPoll(pollId, services.clientAddress(c));
  if (!poll) throw noSuchPoll();
  return poll;
}
