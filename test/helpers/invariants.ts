import type postgres from "postgres";

/**
 * The design's invariant at a quiet moment: tallies equal the count of votes
 * rows per option (and so SUM(tallies) = COUNT(votes)). Returns both sides.
 */
export async function talliesAndVoteCounts(sql: postgres.Sql, poll = "default") {
  const tallies = await sql<{ option_id: string; votes: string }[]>`
    SELECT option_id, votes FROM tallies WHERE poll_id = ${poll} AND votes > 0 ORDER BY option_id`;
  const counted = await sql<{ option_id: string; votes: string }[]>`
    SELECT option_id, count(*)::bigint AS votes FROM votes WHERE poll_id = ${poll} GROUP BY option_id ORDER BY option_id`;
  const asRecord = (rows: { option_id: string; votes: string }[]) =>
    Object.fromEntries(rows.map((row) => [row.option_id, Number(row.votes)]));
  return { tallies: asRecord(tallies), counted: asRecord(counted) };
}

/** Each voter's stored choice, keyed by voter id. */
export async function storedChoices(sql: postgres.Sql, poll = "default"): Promise<Map<string, string>> {
  const rows = await sql<{ voter_id: string; option_id: string }[]>`
    SELECT voter_id, option_id FROM votes WHERE poll_id = ${poll}`;
  return new Map(rows.map((row) => [row.voter_id, row.option_id]));
}

export function countChoices(choices: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const choice of choices) counts[choice] = (counts[choice] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([x], [y]) => (x < y ? -1 : 1)));
}
