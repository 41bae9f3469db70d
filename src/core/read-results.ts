import { countsVisible, type Poll, type PollStatus, statusAt, type Viewer } from "../domain/polls.ts";
import { type PollResults, summarizeResults } from "../domain/tallies.ts";
import type { TallySnapshot } from "./last-known-tallies.ts";

/** What every answer about a poll's results carries. */
interface ResultsState {
  /** False while the database is away: the last counts that could be read. */
  current: boolean;
  /** Open or closed now (closesAt counted). */
  status: PollStatus;
  /** The poll's closesAt, for the countdown. */
  closesAt?: string | undefined;
}

/** What `GET /api/results` answers when the caller may see the counts. */
export type VisibleResults = PollResults & ResultsState & { hidden?: false };

/** What it answers when the counts are hidden from the caller: how many voted, no counts. */
export type HiddenResults = ResultsState & {
  poll: string;
  question: string;
  hidden: true;
  participants: number;
  options: { id: string; label: string }[];
};

export type LiveResults = VisibleResults | HiddenResults;

/** Who is asking, found once the poll is known (the owner's token, the voter's ballot). */
export type ViewerOf = (poll: Poll) => Promise<Viewer>;

/** A public viewer: no token, no ballot. */
export const ANYONE: ViewerOf = async () => ({ owner: false, voted: false });

/**
 * A poll's counts joined with its options, or, when the poll's visibility
 * hides them from this viewer, only how many voted; undefined when there is
 * no such poll.
 */
export async function readResults(
  deps: {
    findPoll(pollId: unknown, client: string | undefined): Promise<Poll | undefined>;
    readTallies: (poll: string) => Promise<TallySnapshot>;
    now?: () => number;
  },
  pollId: unknown,
  client?: string,
  viewerOf: ViewerOf = ANYONE,
): Promise<LiveResults | undefined> {
  const poll = await deps.findPoll(pollId, client);
  if (!poll) return undefined;
  const [snapshot, viewer] = await Promise.all([deps.readTallies(poll.id), viewerOf(poll)]);
  const now = deps.now?.() ?? Date.now();
  const state: ResultsState = {
    current: snapshot.current,
    status: statusAt(poll, now),
    ...(poll.closesAt ? { closesAt: poll.closesAt } : {}),
  };
  if (!countsVisible(poll, viewer, now)) {
    return {
      poll: poll.id,
      question: poll.question,
      hidden: true,
      participants: Math.max(0, snapshot.counts.participants),
      options: poll.options.map(({ id, label }) => ({ id, label })),
      ...state,
    };
  }
  return { ...summarizeResults(poll, snapshot.counts), ...state };
}
