import type postgres from "postgres";
import { PermanentArchiveError, type VoteArchive } from "../core/ports.ts";
import { type Ballot, type BallotRefusal, latestBallots } from "../domain/ballots.ts";
import type { TallyCounts } from "../domain/tallies.ts";

type Sql = postgres.Sql;

/**
 * SQLSTATE classes that mean the data was refused (22: data exception,
 * 23: integrity constraint). Everything else (connection loss, shutdown,
 * deadlock, missing table during a deploy) is worth retrying.
 */
const PERMANENT_SQLSTATE = /^(22|23)/;

function classify(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && PERMANENT_SQLSTATE.test(code)) {
    return new PermanentArchiveError(`${code}: ${(error as Error).message}`, { cause: error });
  }
  return error;
}

/** VoteArchive on PostgreSQL through postgres.js (a direct pool on Node, Hyperdrive on Workers). */
export function createPostgresVoteArchive(sql: Sql): VoteArchive {
  return {
    async applyBallots(ballots) {
      const refused = new Map<number, BallotRefusal>();
      const newest = latestBallots(ballots).sort(byPollThenVoter);
      if (newest.length === 0) return refused;
      const pollIds = [...new Set(newest.map((b) => b.poll))].sort();
      let open: { id: string }[];
      try {
        // One statement, so one implicit transaction. Rows go in key order so
        // concurrent consumers lock shared voters in the same order. The batch
        // travels as one JSON parameter: no array-type lookup, same through Hyperdrive.
        // FOR SHARE on the batch's polls: a close waits for this batch to commit, and a
        // batch that starts after a close sees it, so a closed poll's counts are final.
        const rows = newest.map((b) => [b.poll, b.voter, b.choice, b.version, b.castAt]);
        open = await sql<{ id: string }[]>`
          WITH open_polls AS (
            SELECT id FROM polls
            WHERE id IN (SELECT jsonb_array_elements_text(${sql.json(pollIds)})) AND status = 'open'
            ORDER BY id
            FOR SHARE
          ), applied AS (
            INSERT INTO votes (poll_id, voter_id, option_id, version, cast_at)
            SELECT r->>0, r->>1, r->>2, (r->>3)::bigint, (r->>4)::timestamptz
            FROM jsonb_array_elements(${sql.json(rows)}) WITH ORDINALITY AS incoming(r, position)
            WHERE r->>0 IN (SELECT id FROM open_polls)
            ORDER BY position
            ON CONFLICT (poll_id, voter_id) DO UPDATE
              SET option_id = excluded.option_id,
                  version = excluded.version,
                  cast_at = excluded.cast_at,
                  updated_at = now()
              WHERE votes.version < excluded.version
            RETURNING 1
          )
          SELECT id FROM open_polls`;
      } catch (error) {
        throw classify(error);
      }
      const accepting = new Set(open.map((row) => row.id));
      ballots.forEach((ballot, position) => {
        if (!accepting.has(ballot.poll)) refused.set(position, { kind: "poll-closed", poll: ballot.poll });
      });
      return refused;
    },

    async readTallies(poll) {
      // now() is a STABLE function: Hyperdrive never serves such a query from its
      // cache (up to 60 s old by default), so live results stay live on Workers.
      const rows = await sql<{ option_id: string; votes: string }[]>`
        SELECT option_id, votes, now() AS read_at FROM tallies WHERE poll_id = ${poll}`;
      const counts: Record<string, number> = {};
      for (const row of rows) counts[row.option_id] = Number(row.votes);
      return counts satisfies TallyCounts;
    },

    async ping() {
      // Not SELECT 1, which Hyperdrive could answer from its cache while the database is down.
      await sql`SELECT now()`;
    },
  };
}

function byPollThenVoter(x: Ballot, y: Ballot): number {
  return x.poll < y.poll ? -1 : x.poll > y.poll ? 1 : x.voter < y.voter ? -1 : x.voter > y.voter ? 1 : 0;
}
