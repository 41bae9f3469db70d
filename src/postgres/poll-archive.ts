import type postgres from "postgres";
import type { PollArchive } from "../core/ports.ts";
import type { Poll, PollOption, PollStatus } from "../domain/polls.ts";

type Sql = postgres.Sql;
/** Ballots fetched from the cursor at a time: a few hundred KiB in memory, whatever the poll's size. */
const BALLOTS_PER_CHUNK = 1_000;
type PollRow = { id: string; question: string; options: PollOption[]; status: PollStatus };

function toPoll(row: PollRow): Poll {
  return { id: row.id, question: row.question, options: row.options, status: row.status };
}

/** PollArchive on PostgreSQL through postgres.js (a direct pool on Node, Hyperdrive on Workers). */
export function createPostgresPollArchive(sql: Sql): PollArchive {
  return {
    async createPoll(poll, manageTokenHash) {
      await sql`
        INSERT INTO polls (id, question, options, status, manage_token_hash)
        VALUES (${poll.id}, ${poll.question}, ${sql.json(poll.options as unknown as postgres.JSONValue)}, ${poll.status}, ${manageTokenHash})`;
    },

    async savePoll(poll) {
      await sql`
        INSERT INTO polls (id, question, options, status)
        VALUES (${poll.id}, ${poll.question}, ${sql.json(poll.options as unknown as postgres.JSONValue)}, ${poll.status})
        ON CONFLICT (id) DO UPDATE SET question = excluded.question, options = excluded.options
        WHERE polls.question IS DISTINCT FROM excluded.question OR polls.options IS DISTINCT FROM excluded.options`;
    },

    async readPoll(id) {
      // now(): never served from Hyperdrive's cache, so a close is seen at once.
      const [row] = await sql<PollRow[]>`
        SELECT id, question, options, status, now() AS read_at FROM polls WHERE id = ${id}`;
      return row ? toPoll(row) : undefined;
    },

    async readManageTokenHash(id) {
      const [row] = await sql<{ hash: string | null }[]>`
        SELECT manage_token_hash AS hash, now() AS read_at FROM polls WHERE id = ${id}`;
      return row ? row.hash : undefined;
    },

    async setStatus(id, status) {
      const [row] = await sql<PollRow[]>`
        UPDATE polls SET status = ${status}, closed_at = CASE WHEN ${status} = 'closed' THEN now() END
        WHERE id = ${id}
        RETURNING id, question, options, status`;
      return row ? toPoll(row) : undefined;
    },

    async *readBallots(id) {
      const rows = sql<{ voter: string; option: string; cast_at: Date }[]>`
        SELECT encode(sha256(p.voter_salt || convert_to(v.voter_id, 'UTF8')), 'hex') AS voter,
               v.option_id AS option, v.cast_at
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
