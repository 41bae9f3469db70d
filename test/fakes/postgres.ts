import { PermanentArchiveError, type PollArchive, type VoteArchive } from "../../src/core/ports.ts";
import { type Ballot, type BallotRefusal, latestBallots } from "../../src/domain/ballots.ts";
import { microsOf, type Poll } from "../../src/domain/polls.ts";

/**
 * What one PostgreSQL holds for the app, in memory, with its two adapters,
 * which share it as the real ones share a database: a poll closed through
 * the poll archive refuses its ballots in the vote archive.
 */
export interface MemoryDatabase {
  voteArchive: VoteArchive;
  pollArchive: PollArchive;
  /** Every voter's stored choices in a poll (the `votes` rows), by voter. */
  storedChoices(poll: string): Map<string, readonly string[]>;
  /** From now on a write of this voter's ballots is refused as bad data, as a CHECK constraint would. */
  refuseVoter(voter: string): void;
  /** Until recover(), every query fails as if the database were away. */
  fail(error?: Error): void;
  recover(): void;
}

interface PollRow {
  poll: Poll;
  /** Salt of the voter hashes in the ballots export. */
  voterSalt: Uint8Array<ArrayBuffer>;
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

export function createMemoryDatabase(): MemoryDatabase {
  const polls = new Map<string, PollRow>();
  const votes = new Map<string, Ballot>();
  const tallies = new Map<string, Map<string, number>>();
  const refusedVoters = new Set<string>();
  let failure: Error | undefined;

  function answer(): void {
    if (failure) throw failure;
  }
  const voteKey = (poll: string, voter: string) => `${poll}\u0000${voter}`;
  const participants = new Map<string, number>();
  /** The triggers: each option of a ballot moves its count, and the ballot its poll's participants. */
  function move(ballot: Ballot, delta: number): void {
    const counts = tallies.get(ballot.poll) ?? new Map<string, number>();
    // A count that falls to zero keeps its row, as the tallies table does.
    for (const option of ballot.choices) counts.set(option, (counts.get(option) ?? 0) + delta);
    tallies.set(ballot.poll, counts);
    participants.set(ballot.poll, (participants.get(ballot.poll) ?? 0) + delta);
  }
  /** Why the statement leaves a ballot out, as src/postgres/vote-archive.ts decides it. */
  function refusalOf(ballot: Ballot): BallotRefusal | undefined {
    const poll = polls.get(ballot.poll)?.poll;
    if (!poll) return { kind: "poll-deleted", poll: ballot.poll };
    if (poll.status === "closed") return { kind: "poll-closed", poll: ballot.poll };
    if (poll.closesAt !== undefined && ballot.version >= microsOf(poll.closesAt)) {
      return { kind: "after-close", poll: ballot.poll };
    }
    if (poll.opensAt !== undefined && ballot.version < microsOf(poll.opensAt)) {
      return { kind: "before-open", poll: ballot.poll };
    }
    if (ballot.revision < poll.countedFrom) return { kind: "before-reset", poll: ballot.poll };
    return undefined;
  }
  function dropBallots(poll: string): void {
    for (const [key, ballot] of votes) if (ballot.poll === poll) votes.delete(key);
    tallies.delete(poll);
    participants.delete(poll);
  }
  function change(id: string, edit: (poll: Poll) => Poll): Poll | undefined {
    const row = polls.get(id);
    if (!row) return undefined;
    row.poll = edit(row.poll);
    return structuredClone(row.poll);
  }

  const voteArchive: VoteArchive = {
    async applyBallots(ballots) {
      answer();
      const refused = new Map<number, BallotRefusal>();
      ballots.forEach((ballot, position) => {
        const refusal = refusalOf(ballot);
        if (refusal) refused.set(position, refusal);
      });
      // Only the newest ballot per voter, and only if newer than the stored one.
      const writes = latestBallots(ballots).filter(
        (ballot) =>
          refusalOf(ballot) === undefined &&
          (votes.get(voteKey(ballot.poll, ballot.voter))?.version ?? 0) < ballot.version,
      );
      // One transaction: a refused row writes nothing of the batch.
      const bad = writes.find((ballot) => refusedVoters.has(ballot.voter));
      if (bad) throw new PermanentArchiveError(`23514: a check constraint refused voter ${bad.voter}`);
      for (const ballot of writes) {
        const key = voteKey(ballot.poll, ballot.voter);
        const stored = votes.get(key);
        if (stored) move(stored, -1);
        move(ballot, 1);
        votes.set(key, structuredClone(ballot));
      }
      return refused;
    },
    async readTallies(poll) {
      answer();
      return { options: Object.fromEntries(tallies.get(poll) ?? []), participants: participants.get(poll) ?? 0 };
    },
    async ping() {
      answer();
    },
  };

  const pollArchive: PollArchive = {
    async createPoll(poll) {
      answer();
      if (polls.has(poll.id)) throw new Error(`duplicate key value violates unique constraint "polls_pkey"`);
      polls.set(poll.id, {
        poll: structuredClone(poll),
        voterSalt: crypto.getRandomValues(new Uint8Array(32)),
      });
    },
    async savePoll(poll) {
      answer();
      const row = polls.get(poll.id);
      if (!row) {
        polls.set(poll.id, {
          poll: structuredClone(poll),
          voterSalt: crypto.getRandomValues(new Uint8Array(32)),
        });
        return;
      }
      // Only the question and options: a closed default poll stays closed.
      row.poll = { ...row.poll, question: poll.question, options: structuredClone(poll.options) };
    },
    async readPoll(id) {
      answer();
      const row = polls.get(id);
      return row ? structuredClone(row.poll) : undefined;
    },
    async setStatus(id, status) {
      answer();
      return change(id, (poll) => {
        // Reopening a poll past its closesAt takes the deadline away.
        const { closesAt, ...rest } = poll;
        const keepDeadline = status === "closed" || closesAt === undefined || Date.parse(closesAt) > Date.now();
        return { ...rest, status, ...(keepDeadline && closesAt !== undefined ? { closesAt } : {}) };
      });
    },
    async reveal(id) {
      answer();
      return change(id, (poll) => ({ ...poll, revealed: true }));
    },
    async editPoll(edited) {
      answer();
      const row = polls.get(edited.id);
      if (!row) return undefined;
      if ((participants.get(edited.id) ?? 0) > 0) return "voted";
      return change(edited.id, (poll) => ({
        ...poll,
        question: edited.question,
        options: structuredClone(edited.options),
        revision: poll.revision + 1,
      }));
    },
    async resetPoll(id) {
      answer();
      if (!polls.has(id)) return undefined;
      dropBallots(id);
      return change(id, (poll) => ({ ...poll, revision: poll.revision + 1, countedFrom: poll.revision + 1 }));
    },
    async deletePoll(id) {
      answer();
      dropBallots(id);
      return polls.delete(id);
    },
    async *readBallots(id) {
      answer();
      const row = polls.get(id);
      if (!row) return;
      const ballots = [...votes.values()]
        .filter((ballot) => ballot.poll === id)
        .sort((x, y) => Date.parse(x.castAt) - Date.parse(y.castAt) || (x.voter < y.voter ? -1 : 1));
      const encoder = new TextEncoder();
      // One chunk: the cursor's chunking is the real adapter's business (ballots-export.test.ts).
      yield await Promise.all(
        ballots.map(async (ballot) => ({
          voter: await sha256Hex(new Uint8Array([...row.voterSalt, ...encoder.encode(ballot.voter)])),
          option: ballot.choices.join(" "),
          castAt: new Date(ballot.castAt).toISOString(),
        })),
      );
    },
  };

  return {
    voteArchive,
    pollArchive,
    storedChoices: (poll) =>
      new Map([...votes.values()].filter((ballot) => ballot.poll === poll).map((b) => [b.voter, b.choices])),
    refuseVoter(voter) {
      refusedVoters.add(voter);
    },
    fail(error = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" })) {
      failure = error;
    },
    recover() {
      failure = undefined;
    },
  };
}
