import type { Poll, PollStatus } from "../domain/polls.ts";
import { type PollResults, summarizeResults } from "../domain/tallies.ts";
import type { TallySnapshot } from "./last-known-tallies.ts";

/** What `GET /api/results` answers: the results, and whether they are current (false while the database is away). */
export type LiveResults = PollResults & { current: boolean; status: PollStatus };

/** A poll's counts joined with its options; undefined when there is no such poll. */
export async function readResults(
  deps: {
    findPoll(pollId: unknown, client: string | undefined): Promise<Poll | undefined>;
    readTallies: (poll: string) => Promise<TallySnapshot>;
  },
  pollId: unknown,
  client?: string,
): Promise<LiveResults | undefined> {
  const poll = await deps.findPoll(pollId, client);
  if (!poll) return undefined;
  const snapshot = await deps.readTallies(poll.id);
  return { ...summarizeResults(poll, snapshot.counts), current: snapshot.current, status: poll.status };
}
