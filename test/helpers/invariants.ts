import type postgres from "postgres";

/**
 * The design's invariant at a quiet moment: tallies equal the count of votes
 * rows per option (each option of a multi-select ballot counted), and the
 * participants the count of votes rows. Returns both sides.
 */
export async function talliesAndVoteCounts(sql: postgres.Sql, poll = "default") {
  const tallies = await sql<{ option_id: string; votes: string }[]>`
    SELECT option_id, votes FROM tallies WHERE poll_id = ${poll} AND votes > 0 ORDER BY option_id`;
  const counted = await sql<{ option_id: string; votes: string }[]>`
    SELECT option_id, count(*)::bigint AS votes FROM votes, unnest(choices) AS option_id
    WHERE poll_id = ${poll} GROUP BY option_id ORDER BY option_id`;
  const [people] = await sql<{ participants: string; voters: string }[]>`
    SELECT coalesce((SELECT voters FROM participants WHERE poll_id = ${poll}), 0) AS participants,
           (SELECT count(*) FROM votes WHERE poll_id = ${poll}) AS voters`;
  const asRecord = (rows: { option_id: string; votes: string }[]) =>
    Object.fromEntries(rows.map((row) => [row.option_id, Number(row.votes)]));
  return {
    tallies: asRecord(tallies),
    counted: asRecord(counted),
    participants: Number(people?.participants),
    voters: Number(people?.voters),
  };
}

/** Each voter's stored choices, keyed by voter id: one option as it is, a set joined by commas. */
export async function storedChoices(sql: postgres.Sql, poll = "default"): Promise<Map<string, string>> {
  const rows = await sql<{ voter_id: string; choices: string[] }[]>`
    SELECT voter_id, choices FROM votes WHERE poll_id = ${poll}`;
  return new Map(rows.map((row) => [row.voter_id, row.choices.join(",")]));
}

export function countChoices(choices: Iterable<string>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const choice of choices) counts[choice] = (counts[choice] ?? 0) + 1;
  return Object.fromEntries(Object.entries(counts).sort(([x], [y]) => (x < y ? -1 : 1)));
}

type Counts = Record<string, number>;

/**
 * The invariant for every poll at once: per poll, the tallies (options with
 * votes) and the count of votes rows per option, keyed by poll id.
 */
export async function talliesAndVoteCountsByPoll(sql: postgres.Sql) {
  const tallies = await sql<{ poll_id: string; option_id: string; votes: string }[]>`
    SELECT poll_id, option_id, votes FROM tallies WHERE votes > 0 ORDER BY poll_id, option_id`;
  const counted = await sql<{ poll_id: string; option_id: string; votes: string }[]>`
    SELECT poll_id, option_id, count(*)::bigint AS votes FROM votes, unnest(choices) AS option_id
    GROUP BY poll_id, option_id ORDER BY poll_id, option_id`;
  const byPoll = (rows: { poll_id: string; option_id: string; votes: string }[]) => {
    const polls = new Map<string, Counts>();
    for (const row of rows) {
      const counts = polls.get(row.poll_id) ?? {};
      counts[row.option_id] = Number(row.votes);
      polls.set(row.poll_id, counts);
    }
    return polls;
  };
  return { tallies: byPoll(tallies), counted: byPoll(counted) };
}

/** Every stored choice (a set joined by commas), keyed by poll id, then voter id. */
export async function storedChoicesByPoll(sql: postgres.Sql): Promise<Map<string, Map<string, string>>> {
  const rows = await sql<{ poll_id: string; voter_id: string; choices: string[] }[]>`
    SELECT poll_id, voter_id, choices FROM votes`;
  const polls = new Map<string, Map<string, string>>();
  for (const row of rows) {
    const choices = polls.get(row.poll_id) ?? new Map<string, string>();
    choices.set(row.voter_id, row.choices.join(","));
    polls.set(row.poll_id, choices);
  }
  return polls;
}
