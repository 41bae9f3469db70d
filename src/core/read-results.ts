import type { PollCatalog } from "../domain/polls.ts";
import { type PollResults, summarizeResults } from "../domain/tallies.ts";
import { findPoll } from "./cast-vote.ts";
import type { TallyReader } from "./ports.ts";

/** A poll's counts joined with its options; undefined when there is no such poll. */
export async function readResults(
  deps: { polls: PollCatalog; readTallies: TallyReader },
  pollId: unknown,
): Promise<PollResults | undefined> {
  const poll = findPoll(deps.polls, pollId);
  if (!poll) return undefined;
  return summarizeResults(poll, await deps.readTallies(poll.id));
}
