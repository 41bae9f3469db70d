import { waitUntil } from "cloudflare:workers";
import postgres from "postgres";
import type { PollArchive } from "../core/ports.ts";
import { createPostgresPollArchive } from "../postgres/poll-archive.ts";

/**
 * A postgres.js client on a Hyperdrive binding, for one piece of work:
 * Hyperdrive pools the real connections, so a Worker opens its own per
 * request. Types are not fetched (one round trip less).
 *
 * The client is ended in the background (waitUntil), never awaited: ending a
 * connection whose backend died waits out the whole end() timeout, which
 * added a second to every database failure (postgres.js issue 1097).
 * Ending it at all matters where one context runs many calls (a consumer
 * batch, the tests): otherwise each call would hold a connection until the
 * context ends.
 */
export async function withHyperdrive<T>(hyperdrive: Hyperdrive, work: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = open(hyperdrive);
  try {
    return await work(sql);
  } finally {
    waitUntil(sql.end({ timeout: 1 }).catch(() => {}));
  }
}

function open(hyperdrive: Hyperdrive): postgres.Sql {
  return postgres(hyperdrive.connectionString, { max: 5, fetch_types: false, prepare: true, onnotice: () => {} });
}

/** The PollArchive through Hyperdrive: each call opens its own client, as Hyperdrive pools the connections. */
export function createHyperdrivePollArchive(hyperdrive: Hyperdrive): PollArchive {
  const through = <T>(work: (archive: PollArchive) => Promise<T>) =>
    withHyperdrive(hyperdrive, (sql) => work(createPostgresPollArchive(sql)));
  return {
    createPoll: (poll) => through((archive) => archive.createPoll(poll)),
    savePoll: (poll) => through((archive) => archive.savePoll(poll)),
    readPoll: (id) => through((archive) => archive.readPoll(id)),
    setStatus: (id, status) => through((archive) => archive.setStatus(id, status)),
    reveal: (id) => through((archive) => archive.reveal(id)),
    editPoll: (poll) => through((archive) => archive.editPoll(poll)),
    resetPoll: (id) => through((archive) => archive.resetPoll(id)),
    deletePoll: (id) => through((archive) => archive.deletePoll(id)),
    // A client of its own for as long as the cursor is read; ended once the reader stops.
    async *readBallots(id) {
      const sql = open(hyperdrive);
      try {
        yield* createPostgresPollArchive(sql).readBallots(id);
      } finally {
        waitUntil(sql.end({ timeout: 1 }).catch(() => {}));
      }
    },
  };
}
