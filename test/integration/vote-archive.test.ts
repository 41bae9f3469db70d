import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { PermanentArchiveError } from "../../src/core/ports.ts";
import { processVotes } from "../../src/core/process-votes.ts";
import { createDefaultPoll } from "../../src/domain/polls.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { describeVoteArchiveContract } from "../contract/ports/vote-archive.ts";
import { countChoices, storedChoices, talliesAndVoteCounts } from "../helpers/invariants.ts";
import { openPostgresArchive } from "../helpers/port-subjects.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/services.ts";
import { chunk, deliveries, seeded, shuffle, votingHistory } from "../helpers/voting-history.ts";

describeVoteArchiveContract("PostgreSQL (src/postgres/vote-archive.ts)", openPostgresArchive);

const defaultPoll = createDefaultPoll("Cats", "Dogs");
const polls = { find: async (id: string) => (id === defaultPoll.id ? defaultPoll : undefined) };

describe("the PostgreSQL vote archive", () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(async () => {
    await db.drop();
  });

  it("keeps tallies equal to the votes rows and to every voter's last choice, however ballots are delivered", async () => {
    const random = seeded(42);
    const { ballots, last } = votingHistory(200, 6, random);
    const expected = countChoices(last.values());
    for (let round = 0; round < 3; round++) {
      const fresh = await createTestDatabase();
      try {
        const archive = createPostgresVoteArchive(fresh.sql);
        for (const batch of chunk(deliveries(ballots, random), () => 1 + Math.floor(random() * 120))) {
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
      const batches = chunk(shuffle([...ballots, ...ballots], random), () => 20 + Math.floor(random() * 60));
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

  it("lets the consumer's batch decision isolate the one ballot the database refuses", async () => {
    const archive = createPostgresVoteArchive(db.sql);
    const poisoned = randomUUID();
    await db.sql.unsafe(`ALTER TABLE votes ADD CONSTRAINT refuse_one CHECK (voter_id <> '${poisoned}')`);
    const castAt = new Date().toISOString();
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
    expect(await archive.readTallies("default")).toEqual({ options: { b: 9 }, participants: 9 });
  });

  it("reports an unreachable database as worth retrying, never as refused data", async () => {
    const unreachable = postgres("postgres://postgres@127.0.0.1:1/nowhere", { connect_timeout: 1, max: 1 });
    try {
      const down = createPostgresVoteArchive(unreachable);
      const ballot = {
        poll: "default",
        voter: randomUUID(),
        choices: ["a"],
        version: 1,
        castAt: new Date().toISOString(),
        revision: 0,
      };
      const failure = await down.applyBallots([ballot]).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect(failure).not.toBeInstanceOf(PermanentArchiveError);
      const [verdict] = await processVotes([ballot], { archive: down, polls });
      expect(verdict?.action).toBe("retry");
    } finally {
      await unreachable.end();
    }
  });
});
