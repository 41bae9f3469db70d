import type { Poll } from "./polls.ts";

export interface OptionResult {
  id: string;
  label: string;
  votes: number;
  percent: number;
}

/** What `GET /api/results` answers and the results page shows. */
export interface PollResults {
  poll: string;
  question: string;
  /** Selections: on a multi-select poll, more than the voters. */
  total: number;
  /** Voters with a current ballot. */
  participants: number;
  options: OptionResult[];
}

/** A poll's stored counts: selections per option id, and the voters with a current ballot. */
export interface TallyCounts {
  readonly options: Readonly<Record<string, number>>;
  readonly participants: number;
}

/**
 * Joins stored counts with the poll's options; options nobody chose count
 * zero. A percentage is the share of participants who chose the option: on
 * a single-choice poll they add up to exactly 100 (largest remainder), on a
 * multi-select poll each stands alone (they add up to more).
 */
export function summarizeResults(poll: Poll, counts: TallyCounts): PollResults {
  const votes = poll.options.map((option) => Math.max(0, counts.options[option.id] ?? 0));
  const total = votes.reduce((sum, n) => sum + n, 0);
  const participants = Math.max(0, counts.participants);
  const percents =
    poll.maxChoices > 1
      ? votes.map((n) => (participants === 0 ? 0 : Math.round((n * 100) / participants)))
      : roundedPercents(votes);
  return {
    poll: poll.id,
    question: poll.question,
    total,
    participants,
    options: poll.options.map((option, i) => ({
      id: option.id,
      label: option.label,
      votes: votes[i] ?? 0,
      percent: percents[i] ?? 0,
    })),
  };
}

/**
 * Whole-number percentages that add up to exactly 100 (largest remainder
 * method), or all zero when there are no votes.
 */
export function roundedPercents(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, n) => sum + n, 0);
  if (total === 0) return counts.map(() => 0);
  const exact = counts.map((n) => (n * 100) / total);
  const floors = exact.map(Math.floor);
  let missing = 100 - floors.reduce((sum, n) => sum + n, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((x, y) => y.remainder - x.remainder || x.index - y.index);
  for (const { index } of byRemainder) {
    if (missing <= 0) break;
    floors[index] = (floors[index] ?? 0) + 1;
    missing -= 1;
  }
  return floors;
}

export function describeTotal(total: number): string {
  if (total === 0) return "No votes yet";
  if (total === 1) return "1 vote";
  return `${total.toLocaleString("en-US")} votes`;
}

export function describeParticipants(participants: number): string {
  if (participants === 0) return "No one has voted yet";
  if (participants === 1) return "1 person voted";
  return `${participants.toLocaleString("en-US")} people voted`;
}
