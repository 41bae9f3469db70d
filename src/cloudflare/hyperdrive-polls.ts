import type { PollArchive } from "../core/ports.ts";
import { createPostgresPollArchive } from "../postgres/polls.ts";
import { withHyperdrive } from "./hyperdrive.ts";

/** The PollArchive through Hyperdrive: each call opens its own client, as Hyperdrive pools the connections. */
export function createHyperdrivePollArchive(hyperdrive: Hyperdrive): PollArchive {
  const through = <T>(work: (archive: PollArchive) => Promise<T>) =>
    withHyperdrive(hyperdrive, (sql) => work(createPostgresPollArchive(sql)));
  return {
    createPoll: (poll, hash) => through((archive) => archive.createPoll(poll, hash)),
    savePoll: (poll) => through((archive) => archive.savePoll(poll)),
    readPoll: (id) => through((archive) => archive.readPoll(id)),
    readManageTokenHash: (id) => through((archive) => archive.readManageTokenHash(id)),
    setStatus: (id, status) => through((archive) => archive.setStatus(id, status)),
    readBallots: (id) => through((archive) => archive.readBallots(id)),
  };
}
