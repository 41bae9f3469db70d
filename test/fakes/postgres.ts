import { PermanentArchiveError, type PollArchive, type VoteArchive } from "../../src/core/ports.ts";
import { type Ballot, type BallotRefusal, latestBallots } from "../../src/domain/ballots.ts";
import type { Poll } from "../../src/domain/polls.ts";

/**
 * What one PostgreSQL holds for the app, in memory, with its two adapters,
 * which share it as the real ones share a database: a poll closed through
 * the poll archive refuses its ballots in the vote archive.
 */
export interface MemoryDatabase {
  voteArchive: VoteArchive;
  pollArchive: PollArchive;
  /** Every voter's stored choice in a poll (the `votes` rows), by voter. */
  storedChoices(poll: string): Map<string, string>;
  /** From now on a write of this voter's ballots is refused as bad data, as a CHECK constraint would. */
  refuseVoter(voter: string): void;
  /** Until recover(), every query fails as if the database were away. */
  fail(error?: Error): void;
  recover(): void;
}

interface PollRow {
  poll: Poll;
  manageTokenHash: string | null;
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
  function move(poll: string, option: string, delta: number): void {
    const counts = tallies.get(poll) ?? new Map<string, number>();
    // A count that falls to zero keeps its row, as the tallies table does.
    counts.set(option, (counts.get(option) ?? 0) + delta);
    tallies.set(poll, counts);
  }

  const voteArchive: VoteArchive = {
    async applyBallots(ballots) {
      answer();
      const open = new Set([...polls.values()].filter((row) => row.poll.status === "open").map((row) => row.poll.id));
      const refused = new Map<number, BallotRefusal>();
      ballots.forEach((ballot, position) => {
        if (!open.has(ballot.poll)) refused.set(position, { kind: "poll-closed", poll: ballot.poll });
      });
      // Only the newest ballot per voter, and only if newer than the stored one.
      const writes = latestBallots(ballots).filter(
        (ballot) =>
          open.has(ballot.poll) && (votes.get(voteKey(ballot.poll, ballot.voter))?.version ?? 0) < ballot.version,
      );
      // One transaction: a refused row writes nothing of the batch.
      const bad = writes.find((ballot) => refusedVoters.has(ballot.voter));
      if (bad) throw new PermanentArchiveError(`23514: a check constraint refused voter ${bad.voter}`);
      for (const ballot of writes) {
        const key = voteKey(ballot.poll, ballot.voter);
        const stored = votes.get(key);
        if (stored) move(stored.poll, stored.choice, -1);
        move(ballot.poll, ballot.choice, 1);
        votes.set(key, { ...ballot });
      }
      return refused;
    },
    async readTallies(poll) {
      answer();
      return Object.fromEntries(tallies.get(poll) ?? []);
    },
    async ping() {
      answer();
    },
  };

  const pollArchive: PollArchive = {
    async createPoll(poll, manageTokenHash) {
      answer();
      if (polls.has(poll.id)) throw new Error(`duplicate key value violates unique constraint "polls_pkey"`);
      polls.set(poll.id, {
        poll: structuredClone(poll),
        manageTokenHash,
        voterSalt: crypto.getRandomValues(new Uint8Array(32)),
      });
    },
    async savePoll(poll) {
      answer();
      const row = polls.get(poll.id);
      if (!row) {
        polls.set(poll.id, {
          poll: structuredClone(poll),
          manageTokenHash: null,
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
    async readManageTokenHash(id) {
      answer();
      return polls.get(id)?.manageTokenHash;
    },
    async setStatus(id, status) {
      answer();
      const row = polls.get(id);
      if (!row) return undefined;
      row.poll = { ...row.poll, status };
      return structuredClone(row.poll);
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
          option: ballot.choice,
          castAt: new Date(ballot.castAt).toISOString(),
        })),
      );
    },
  };

  return {
    voteArchive,
    pollArchive,
    storedChoices: (poll) =>
      new Map([...votes.values()].filter((ballot) => ballot.poll === poll).map((b) => [b.voter, b.choice])),
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
