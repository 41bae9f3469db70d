import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PermanentArchiveError } from "../../src/core/ports.ts";
import { processVotes } from "../../src/core/process-votes.ts";
import type { Ballot } from "../../src/domain/ballots.ts";
import { createDefaultPoll } from "../../src/domain/polls.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { countChoices, storedChoices, talliesAndVoteCounts } from "../helpers/invariants.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/services.ts";

const defaultPoll = createDefaultPoll("Cats", "Dogs");
const polls = { find: async (id: string) => (id === defaultPoll.id ? defaultPoll : undefined) };

/** A deterministic pseudo-random sequence, so a failure can be replayed. */
function seeded(seed: number) {
  return () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
}

function shuffle<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

/** Voters who change their minds: every ballot each one ever cast, and each one's last choice. */
function votingHistory(voters: number, changes: number, random: () => number) {
  const ballots: Ballot[] = [];
  const last = new Map<string, string>();
  for (let v = 0; v < voters; v++) {
    const voter = randomUUID();
    const count = 1 + Math.floor(random() * changes);
    for (let version = 1; version <= count; version++) {
      const choice = random() < 0.5 ? "a" : "b";
      ballots.push({ poll: "default", voter, choice, version, castAt: new Date().toISOString() });
      last.set(voter, choice);
    }
  }
  return { ballots, last };
}

function chunk<T>(items: T[], sizes: () => number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; ) {
    const size = sizes();
    chunks.push(items.slice(i, i + size));
    i += size;
  }
  return chunks;
}

describe("the PostgreSQL archive", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it("counts a first vote and moves the count when the voter changes their mind", async () => {
    const archive = createPostgresVoteArchive(db.sql);
    const voter = randomUUID();
    const castAt = new Date().toISOString();
    await archive.applyBallots([{ poll: "default", voter, choice: "a", version: 1, castAt }]);
    expect(await archive.readTallies("default")).toEqual({ a: 1 });
    await archive.applyBallots([{ poll: "default", voter, choice: "b", version: 2, castAt }]);
    expect(await archive.readTallies("default")).toEqual({ a: 0, b: 1 });
  });

  it("ignores a late ballot older than the one it already has", async () => {
    const archive = createPostgresVoteArchive(db.sql);
    const voter = randomUUID();
    const castAt = new Date().toISOString();
    await archive.applyBallots([{ poll: "default", voter, choice: "b", version: 2, castAt }]);
    await archive.applyBallots([{ poll: "default", voter, choice: "a", version: 1, castAt }]);
    expect(await archive.readTallies("default")).toEqual({ b: 1 });
  });

  it("ends with the same tallies however ballots are redelivered, reordered, duplicated and batched", async () => {
    const random = seeded(42);
    const { ballots, last } = votingHistory(200, 6, random);
    const expected = countChoices(last.values());
    for (let round = 0; round < 3; round++) {
      const fresh = await createTestDatabase();
      try {
        const archive = createPostgresVoteArchive(fresh.sql);
        // Every ballot at least once, a third of them again, all in random order and random batch sizes.
        const deliveries = shuffle([...ballots, ...ballots.filter(() => random() < 0.33)], random);
        for (const batch of chunk(deliveries, () => 1 + Math.floor(random() * 120))) {
          await archive.applyBallots(batch);
        }
        const { tallies, counted } = await talliesAndVoteCounts(fresh.sql);
        expect(tallies).toEqual(expected);
        expect(counted).toEqual(expected);
        expect(await storedChoices(fresh.sql)).toEqual(last);
      } finally {
        await fresh.drop();
      }
    }
  });

  it("keeps tallies exact when several consumers write overlapping voters at once", async () => {
    const random = seeded(7);
    const { ballots, last } = votingHistory(150, 8, random);
    const writers = Array.from({ length: 4 }, () => postgres(db.url, { max: 1, onnotice: () => {} }));
    try {
      const deliveries = shuffle([...ballots, ...ballots], random);
      const batches = chunk(deliveries, () => 20 + Math.floor(random() * 60));
      const archives = writers.map((sql) => createPostgresVoteArchive(sql));
      await Promise.all(
        archives.map(async (archive, w) => {
          for (let i = w; i < batches.length; i += archives.length) {
            // Deadlocks between writers are transient: retry as the consumer would.
            for (let attempt = 0; ; attempt++) {
              try {
                await archive.applyBallots(batches[i]!);
                break;
              } catch (error) {
                if (attempt > 20 || (error as { code?: string }).code !== "40P01") throw error;
              }
            }
          }
        }),
      );
      const expected = countChoices(last.values());
      const { tallies, counted } = await talliesAndVoteCounts(db.sql);
      expect(counted).toEqual(expected);
      expect(tallies).toEqual(expected);
    } finally {
      await Promise.all(writers.map((sql) => sql.end()));
    }
  });

  it("reports data the database refuses as permanent, and isolates the one bad ballot in a batch", async () => {
    const archive = createPostgresVoteArchive(db.sql);
    const poisoned = randomUUID();
    await db.sql.unsafe(`ALTER TABLE votes ADD CONSTRAINT refuse_one CHECK (voter_id <> '${poisoned}')`);
    const castAt = new Date().toISOString();
    await expect(
      archive.applyBallots([{ poll: "default", voter: poisoned, choice: "a", version: 1, castAt }]),
    ).rejects.toBeInstanceOf(PermanentArchiveError);

    const good = Array.from({ length: 9 }, () => ({
      poll: "default",
      voter: randomUUID(),
      choice: "b",
      version: 1,
      castAt,
    }));
    const batch = [
      ...good.slice(0, 4),
      { poll: "default", voter: poisoned, choice: "a", version: 1, castAt },
      ...good.slice(4),
    ];
    const verdicts = await processVotes(batch, { archive, polls });
    expect(verdicts.filter((v) => v.action === "applied")).toHaveLength(9);
    expect(verdicts[4]).toMatchObject({ action: "dead-letter", refusal: { kind: "database-refused" } });
    expect(await archive.readTallies("default")).toEqual({ b: 9 });
  });

  it("dead-letters malformed messages without writing anything, and retries every ballot when the database is down", async () => {
    const archive = createPostgresVoteArchive(db.sql);
    const verdicts = await processVotes(["{not json", { poll: "default" }, null], { archive, polls });
    expect(verdicts.map((v) => v.action)).toEqual(["dead-letter", "dead-letter", "dead-letter"]);
    expect(await archive.readTallies("default")).toEqual({});

    const unreachable = postgres("postgres://postgres@127.0.0.1:1/nowhere", { connect_timeout: 1, max: 1 });
    const down = createPostgresVoteArchive(unreachable);
    const ballot = { poll: "default", voter: randomUUID(), choice: "a", version: 1, castAt: new Date().toISOString() };
    const [verdict] = await processVotes([ballot], { archive: down, polls });
    expect(verdict?.action).toBe("retry");
    expect(verdict?.action === "retry" && verdict.cause).not.toBeInstanceOf(PermanentArchiveError);
    await unreachable.end();
  });
});
