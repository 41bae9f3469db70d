import type postgres from "postgres";
import type { PollArchive } from "../core/ports.ts";
import type { Poll, PollOption, PollStatus, Protection, ResultsVisibility } from "../domain/polls.ts";

type Sql = postgres.Sql;
/** Ballots fetched from the cursor at a time: a few hundred KiB in memory, whatever the poll's size. */
const BALLOTS_PER_CHUNK = 1_000;
type PollRow = {
  id: string;
  question: string;
  options: PollOption[];
  status: PollStatus;
  manage_token_hash: string | null;
  min_choices: number;
  max_choices: number;
  results: ResultsVisibility;
  revealed_at: Date | null;
  opens_at: Date | null;
  closes_at: Date | null;
  protection: Protection;
  revision: number;
  counted_from: number;
};

/** Every column a poll is made of, for SELECT and RETURNING. */
const COLUMNS = `id, question, options, status, manage_token_hash, min_choices, max_choices, results,
  revealed_at, opens_at, closes_at, protection, revision, counted_from`;

function toPoll(row: PollRow): Poll {
  return {
    id: row.id,
    question: row.question,
    options: row.options,
    status: row.status,
    minChoices: row.min_choices,
    maxChoices: row.max_choices,
    results: row.results,
    revealed: row.revealed_at !== null,
    protection: row.protection,
    revision: row.revision,
    countedFrom: row.counted_from,
    ...(row.opens_at ? { opensAt: new Date(row.opens_at).toISOString() } : {}),
    ...(row.closes_at ? { closesAt: new Date(row.closes_at).toISOString() } : {}),
    ...(row.manage_token_hash ? { ownerTokenHash: row.manage_token_hash } : {}),
  };
}

/** PollArchive on PostgreSQL through postgres.js (a direct pool on Node, Hyperdrive on Workers). */
export function createPostgresPollArchive(sql: Sql): PollArchive {
  const columns = sql.unsafe(COLUMNS);
  const json = (value: unknown) => sql.json(value as postgres.JSONValue);
  const one = (rows: PollRow[]) => (rows[0] ? toPoll(rows[0]) : undefined);
  return {
    async createPoll(poll) {
      await sql`
        INSERT INTO polls (id, question, options, status, manage_token_hash, min_choices, max_choices, results,
                           opens_at, closes_at, protection)
        VALUES (${poll.id}, ${poll.question}, ${json(poll.options)}, ${poll.status}, ${poll.ownerTokenHash ?? null},
                ${poll.minChoices}, ${poll.maxChoices}, ${poll.results}, ${poll.opensAt ?? null},
                ${poll.closesAt ?? null}, ${poll.protection})`;
    },

    async savePoll(poll) {
      await sql`
        INSERT INTO polls (id, question, options, status)
        VALUES (${poll.id}, ${poll.question}, ${json(poll.options)}, ${poll.status})
        ON CONFLICT (id) DO UPDATE SET question = excluded.question, options = excluded.options
        WHERE polls.question IS DISTINCT FROM excluded.question OR polls.options IS DISTINCT FROM excluded.options`;
    },

    async readPoll(id) {
      // now(): never served from Hyperdrive's cache, so a change is seen at once.
      return one(await sql<PollRow[]>`SELECT ${columns}, now() AS read_at FROM polls WHERE id = ${id}`);
    },

    async setStatus(id, status) {
      return one(
        await sql<PollRow[]>`
          UPDATE polls SET status = ${status},
            closed_at = CASE WHEN ${status} = 'closed' THEN now() END,
            closes_at = CASE WHEN ${status} = 'open' AND closes_at <= now() THEN NULL ELSE closes_at END
          WHERE id = ${id}
          RETURNING ${columns}`,
      );
    },

    async reveal(id) {
      return one(
        await sql<PollRow[]>`
          UPDATE polls SET revealed_at = coalesce(revealed_at, now()) WHERE id = ${id} RETURNING ${columns}`,
      );
    },

    async editPoll(poll) {
      // The poll's row locked first (a batch in flight holds it FOR SHARE), then: no ballot counted yet.
      const [row] = await sql<(PollRow & { voted: boolean })[]>`
        WITH locked AS (SELECT id FROM polls WHERE id = ${poll.id} FOR UPDATE),
        voted AS (SELECT EXISTS (SELECT 1 FROM votes WHERE poll_id = ${poll.id}) AS voted),
        edited AS (
          UPDATE polls SET question = ${poll.question}, options = ${json(poll.options)}, revision = revision + 1
          WHERE id IN (SELECT id FROM locked) AND NOT (SELECT voted FROM voted)
          RETURNING ${columns}
        )
        SELECT edited.*, false AS voted FROM edited
        UNION ALL
        SELECT p.*, true FROM (SELECT ${columns} FROM polls WHERE id = ${poll.id}) AS p
        WHERE (SELECT voted FROM voted)`;
      if (!row) return undefined;
      return row.voted ? "voted" : toPoll(row);
    },

    async resetPoll(id) {
      // One transaction: the poll locked against the consumer's batches (FOR SHARE), its ballots and
      // counts gone, and a new revision from which ballots count again.
      return await sql.begin(async (tx) => {
        const [row] = await tx<PollRow[]>`
          UPDATE polls SET revision = revision + 1, counted_from = revision + 1 WHERE id = ${id} RETURNING ${columns}`;
        if (!row) return undefined;
        await tx`DELETE FROM votes WHERE poll_id = ${id}`;
        await tx`DELETE FROM tallies WHERE poll_id = ${id}`;
        await tx`DELETE FROM participants WHERE poll_id = ${id}`;
        return toPoll(row);
      });
    },

    async deletePoll(id) {
      // Its ballots, tallies and participants go with it (ON DELETE CASCADE).
      const deleted = await sql`DELETE FROM polls WHERE id = ${id} RETURNING id`;
      return deleted.length > 0;
    },

    async *readBallots(id) {
      const rows = sql<{ voter: string; option: string; cast_at: Date }[]>`
        SELECT encode(sha256(p.voter_salt || convert_to(v.voter_id, 'UTF8')), 'hex') AS voter,
               array_to_string(v.choices, ' ') AS option, v.cast_at
        FROM votes v JOIN polls p ON p.id = v.poll_id
        WHERE v.poll_id = ${id}
        ORDER BY v.cast_at, v.voter_id`;
      for await (const chunk of rows.cursor(BALLOTS_PER_CHUNK)) {
        yield chunk.map((row) => ({
          voter: row.voter,
          option: row.option,
          castAt: new Date(row.cast_at).toISOString(),
        }));
      }
    },
  };
}
