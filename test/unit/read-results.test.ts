import { describe, expect, it } from "vitest";
import { createLastKnownTallyReader } from "../../src/core/last-known-tallies.ts";
import { createPollLookup, findPoll } from "../../src/core/poll-lookup.ts";
import { ResultsUnavailableError } from "../../src/core/ports.ts";
import { readResults } from "../../src/core/read-results.ts";
import type { Ballot } from "../../src/domain/ballots.ts";
import { createMemoryLogger } from "../fakes/logger.ts";
import { createMemoryDatabase } from "../fakes/postgres.ts";
import { createMemoryRedis } from "../fakes/redis.ts";
import { defaultPoll, tea } from "../helpers/polls.ts";

async function setUp() {
  const database = createMemoryDatabase();
  const redis = createMemoryRedis();
  await database.pollArchive.savePoll(defaultPoll);
  await database.pollArchive.createPoll(tea);
  await redis.pollStore.writePoll(tea);
  const logger = createMemoryLogger();
  let reads = 0;
  const polls = createPollLookup({ defaultPoll, source: redis.pollStore, ttlMs: 0 });
  const deps = {
    findPoll: (pollId: unknown) => findPoll(polls, pollId),
    readTallies: createLastKnownTallyReader((poll) => {
      reads++;
      return database.voteArchive.readTallies(poll);
    }, logger),
  };
  const vote = (poll: string, ...choices: string[]) =>
    database.voteArchive.applyBallots(
      choices.map(
        (choice): Ballot => ({
          poll,
          voter: crypto.randomUUID(),
          choices: [choice],
          version: 1,
          castAt: new Date().toISOString(),
          revision: 0,
        }),
      ),
    );
  return { database, redis, logger, deps, vote, reads: () => reads };
}

describe("reading results", () => {
  it("joins a poll's counts with its options, with percentages and its status, marked current", async () => {
    const { deps, vote } = await setUp();
    await vote("default", "a", "a", "b");
    expect(await readResults(deps, undefined)).toEqual({
      poll: "default",
      question: "Cats or Dogs?",
      total: 3,
      participants: 3,
      options: [
        { id: "a", label: "Cats", votes: 2, percent: 67 },
        { id: "b", label: "Dogs", votes: 1, percent: 33 },
      ],
      current: true,
      status: "open",
    });
  });

  it("reads a created poll by its id, and says when it is closed", async () => {
    const { deps, vote, redis } = await setUp();
    await vote(tea.id, "b");
    await redis.pollStore.writePoll({ ...tea, status: "closed" });
    expect(await readResults(deps, tea.id)).toMatchObject({ poll: tea.id, total: 1, status: "closed", current: true });
  });

  it("answers undefined for a poll that doesn't exist, reading no counts", async () => {
    const { deps, reads } = await setUp();
    expect(await readResults(deps, "NoSuchPoll01")).toBeUndefined();
    expect(reads()).toBe(0);
  });

  it("answers the last counts it read, marked not current, while the database fails, and logs why", async () => {
    const { deps, vote, database, logger } = await setUp();
    await vote("default", "b");
    await readResults(deps, "default");
    await vote("default", "a");
    database.fail();
    expect(await readResults(deps, "default")).toMatchObject({ total: 1, current: false });
    expect(logger.lines).toEqual([
      {
        level: "warn",
        event: "results.stale",
        fields: expect.objectContaining({ poll: "default", error: expect.stringMatching(/ECONNREFUSED/) }),
      },
    ]);
    database.recover();
    expect(await readResults(deps, "default")).toMatchObject({ total: 2, current: true });
  });

  it("throws ResultsUnavailableError (a 503) for a poll whose counts were never read while the database fails", async () => {
    const { deps, database } = await setUp();
    await readResults(deps, "default");
    database.fail();
    await expect(readResults(deps, tea.id)).rejects.toBeInstanceOf(ResultsUnavailableError);
    expect(await readResults(deps, "default")).toMatchObject({ current: false });
  });

  it("remembers the last counts of at most 10,000 polls, forgetting the one read longest ago", async () => {
    const { database } = await setUp();
    const read = createLastKnownTallyReader(database.voteArchive.readTallies, createMemoryLogger());
    for (let i = 0; i <= 10_000; i++) await read(`poll-${i}`);
    database.fail();
    await expect(read("poll-0")).rejects.toBeInstanceOf(ResultsUnavailableError);
    expect(await read("poll-1")).toEqual({ counts: { options: {}, participants: 0 }, current: false });
  });
});
