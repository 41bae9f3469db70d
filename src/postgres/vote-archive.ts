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
      let polls: BatchPoll[];
      try {
        // One statement, so one implicit transaction. Rows go in key order so
        // concurrent consumers lock shared voters in the same order. The batch
        // travels as one JSON parameter: no array-type lookup, same through Hyperdrive.
        // FOR SHARE on the batch's polls: a close, a reset or a deletion waits for this
        // batch to commit, and a batch that starts after one sees it, so a closed poll's
        // counts are final and a reset one's start from nothing. A ballot counts only if
        // the vote store took it (its version is the store's clock in microseconds) before
        // closesAt, and if it was cast under the revision of the poll's last reset or later.
        const rows = newest.map((b) => [b.poll, b.voter, b.choices, b.version, b.castAt, b.revision]);
        polls = await sql<BatchPoll[]>`
          WITH batch_polls AS (
            SELECT id, status, counted_from,
                   (extract(epoch FROM opens_at) * 1000000)::bigint AS opens_us,
                   (extract(epoch FROM closes_at) * 1000000)::bigint AS closes_us
            FROM polls
            WHERE id IN (SELECT jsonb_array_elements_text(${sql.json(pollIds)}))
            ORDER BY id
            FOR SHARE
          ), applied AS (
            INSERT INTO votes (poll_id, voter_id, choices, version, cast_at, revision)
            SELECT r->>0, r->>1, ARRAY(SELECT jsonb_array_elements_text(r->2)), (r->>3)::bigint,
                   (r->>4)::timestamptz, (r->>5)::integer
            FROM jsonb_array_elements(${sql.json(rows as unknown as postgres.JSONValue)}) WITH ORDINALITY AS incoming(r, position)
            JOIN batch_polls AS p ON p.id = r->>0
            WHERE p.status = 'open'
              AND (p.closes_us IS NULL OR (r->>3)::bigint < p.closes_us)
              AND (p.opens_us IS NULL OR (r->>3)::bigint >= p.opens_us)
              AND (r->>5)::integer >= p.counted_from
            ORDER BY position
            ON CONFLICT (poll_id, voter_id) DO UPDATE
              SET choices = excluded.choices,
                  version = excluded.version,
                  cast_at = excluded.cast_at,
                  revision = excluded.revision,
                  updated_at = now()
              WHERE votes.version < excluded.version
            RETURNING 1
          )
          SELECT id, status, counted_from, opens_us::text, closes_us::text FROM batch_polls`;
      } catch (error) {
        throw classify(error);
      }
      const byId = new Map(polls.map((poll) => [poll.id, poll]));
      ballots.forEach((ballot, position) => {
        const refusal = refusalOf(ballot, byId.get(ballot.poll));
        if (refusal) refused.set(position, refusal);
      });
      return refused;
    },

    async readTallies(poll) {
      // now() is a STABLE function: Hyperdrive never serves such a query from its
      // cache (up to 60 s old by default), so live results stay live on Workers.
      // The participants come as the row without an option.
      const rows = await sql<{ option_id: string | null; votes: string }[]>`
        SELECT option_id, votes, now() AS read_at FROM tallies WHERE poll_id = ${poll}
        UNION ALL
        SELECT NULL, voters, now() FROM participants WHERE poll_id = ${poll}`;
      const options: Record<string, number> = {};
      let participants = 0;
      for (const row of rows) {
        if (row.option_id === null) participants = Number(row.votes);
        else options[row.option_id] = Number(row.votes);
      }
      return { options, participants } satisfies TallyCounts;
    },

    async ping() {
      // Not SELECT 1, which Hyperdrive could answer from its cache while the database is down.
      await sql`SELECT now()`;
    },
  };
}

/** A poll of the batch as the statement saw it, under its lock; times in microseconds (the ballots' versions' unit). */
interface BatchPoll {
  id: string;
  status: "open" | "closed";
  counted_from: number;
  opens_us: string | null;
  closes_us: string | null;
}

/** Why the statement left a ballot out (the same conditions as its WHERE), or undefined when it counted. */
function refusalOf(ballot: Ballot, poll: BatchPoll | undefined): BallotRefusal | undefined {
  if (!poll) return { kind: "poll-deleted", poll: ballot.poll };
  if (poll.status === "closed") return { kind: "poll-closed", poll: ballot.poll };
  if (poll.closes_us !== null && ballot.version >= Number(poll.closes_us))
    return { kind: "after-close", poll: ballot.poll };
  if (poll.opens_us !== null && ballot.version < Number(poll.opens_us))
    return { kind: "before-open", poll: ballot.poll };
  if (ballot.revision < poll.counted_from) return { kind: "before-reset", poll: ballot.poll };
  return undefined;
}

function byPollThenVoter(x: Ballot, y: Ballot): number {
  return x.poll < y.poll ? -1 : x.poll > y.poll ? 1 : x.voter < y.voter ? -1 : x.voter > y.voter ? 1 : 0;
}
