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
  total: number;
  options: OptionResult[];
}

export type TallyCounts = Readonly<Record<string, number>>;

/** Joins stored counts with the poll's options; options nobody chose count zero. */
export function summarizeResults(poll: Poll, counts: TallyCounts): PollResults {
  const votes = poll.options.map((option) => Math.max(0, counts[option.id] ?? 0));
  const total = votes.reduce((sum, n) => sum + n, 0);
  const percents = roundedPercents(votes);
  return {
    poll: poll.id,
    question: poll.question,
    total,
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
