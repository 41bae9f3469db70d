import type { PollStatus } from "../domain/polls.ts";
import { type PollResults, summarizeResults } from "../domain/tallies.ts";
import type { TallySnapshot } from "./last-known-tallies.ts";
import { findPoll, type PollLookup } from "./poll-lookup.ts";

/** What `GET /api/results` answers: the results, and whether they are current (false while the database is away). */
export type LiveResults = PollResults & { current: boolean; status: PollStatus };

/** A poll's counts joined with its options; undefined when there is no such poll. */
export async function readResults(
  deps: { polls: PollLookup; readTallies: (poll: string) => Promise<TallySnapshot> },
  pollId: unknown,
): Promise<LiveResults | undefined> {
  const poll = await findPoll(deps.polls, pollId);
  if (!poll) return undefined;
  const snapshot = await deps.readTallies(poll.id);
  return { ...summarizeResults(poll, snapshot.counts), current: snapshot.current, status: poll.status };
}
