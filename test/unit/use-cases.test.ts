import { describe, expect, it } from "vitest";
import { createPollLookup } from "../../src/core/poll-lookup.ts";
import { processVotes } from "../../src/core/process-votes.ts";
import type { LiveResults } from "../../src/core/read-results.ts";
import { createUseCases, type UseCaseDeps, type UseCases } from "../../src/core/use-cases.ts";
import { ballotMessage } from "../../src/domain/ballots.ts";
import { createManualClock } from "../fakes/clock.ts";
import { createMemoryLogger } from "../fakes/logger.ts";
import { createMemoryDatabase } from "../fakes/postgres.ts";
import { createSequentialRandomness } from "../fakes/random.ts";
import { createMemoryRedis } from "../fakes/redis.ts";
import { defaultPoll } from "../helpers/polls.ts";

const VOTER = "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11";

/** One Redis, one PostgreSQL, and web processes wired to them as createApp wires them. */
async function setUp() {
  const clock = createManualClock();
  const redis = createMemoryRedis({ now: clock.ms });
  const database = createMemoryDatabase();
  await database.pollArchive.savePoll(defaultPoll);
  const logger = createMemoryLogger();
  const random = createSequentialRandomness();
  const startWeb = (overrides: Partial<UseCaseDeps> = {}) =>
    createUseCases({
      defaultPoll,
      voteLimits: { perAddress: 0, perVoter: 0 },
      voteStore: redis.voteStore,
      ballotBox: redis.ballotBox,
      readTallies: database.voteArchive.readTallies,
      pollStore: redis.pollStore,
      pollArchive: database.pollArchive,
      random,
      logger,
      clock,
      ...overrides,
    });
  /** The consumer: drains the queue into the archive. */
  const consume = () =>
    processVotes(redis.drain().map(ballotMessage), {
      archive: database.voteArchive,
      polls: createPollLookup({ defaultPoll, source: database.pollArchive, ttlMs: 0 }),
    });
  const vote = (web: ReturnType<typeof startWeb>, poll: unknown, choice: string | string[], voter = VOTER) =>
    web.castVote({ poll, choice, client: "192.0.2.1", voter: async () => voter });
  return { clock, redis, database, logger, startWeb, consume, vote };
}

/** Creates "Tea or coffee?" through `web`, as its owner would, with `settings`. */
async function createTea(web: UseCases, settings: Record<string, unknown> = {}) {
  const created = await web.createPoll({
    question: "Tea or coffee?",
    options: ["Tea", "Coffee"],
    client: undefined,
    ...settings,
  });
  if (!created.ok) throw new Error(`not created: ${created.reason}`);
  return created;
}

const counts = (results: LiveResults | undefined) =>
  results?.hidden ? "hidden" : Object.fromEntries(results?.options.map((option) => [option.id, option.votes]) ?? []);

describe("the web tier's use cases", () => {
  it("take a vote, show it as the voter's choice at once, and count it once the queue is consumed", async () => {
    const { startWeb, consume, vote } = await setUp();
    const web = startWeb();
    expect(await vote(web, undefined, "b")).toMatchObject({ ok: true, choices: ["b"] });
    expect(await web.currentChoices(defaultPoll, VOTER)).toEqual(["b"]);
    expect(counts(await web.readResults(undefined))).toEqual({ a: 0, b: 0 });
    expect(await consume()).toEqual([{ action: "applied" }]);
    expect(await web.readResults(undefined)).toMatchObject({ total: 1, current: true, status: "open" });
    expect(counts(await web.readResults("default"))).toEqual({ a: 0, b: 1 });
  });

  it("take votes in a created poll from the vote store's copy, never reading the record", async () => {
    const { startWeb, vote, database } = await setUp();
    const web = startWeb();
    const created = await createTea(web);
    database.fail();
    expect(await web.findPoll(created.poll.id)).toEqual(created.poll);
    expect(await vote(web, created.poll.id, "a")).toMatchObject({ ok: true });
  });

  it("reload a poll the vote store lost from the record, and vote on", async () => {
    const { startWeb, vote, redis } = await setUp();
    const web = startWeb();
    const created = await createTea(web);
    redis.forgetPolls();
    const restarted = startWeb();
    expect(await vote(restarted, created.poll.id, "b")).toMatchObject({ ok: true });
    expect(await redis.pollStore.readPoll(created.poll.id)).toEqual(created.poll);
  });

  it("see a close made here at once; another process sees it once it no longer remembers the poll", async () => {
    const { startWeb, vote } = await setUp();
    const here = startWeb({ pollTtlMs: 60_000 });
    const remembering = startWeb({ pollTtlMs: 60_000 });
    const forgetful = startWeb({ pollTtlMs: 0 });
    const { poll, manageToken } = await createTea(here);
    for (const web of [here, remembering, forgetful]) expect((await web.findPoll(poll.id))?.status).toBe("open");
    expect(await here.setPollStatus(poll.id, manageToken, "closed")).toMatchObject({ ok: true });
    expect(await vote(here, poll.id, "a")).toMatchObject({ ok: false, reason: "closed" });
    expect(await vote(forgetful, poll.id, "a")).toMatchObject({ ok: false, reason: "closed" });
    expect(await vote(remembering, poll.id, "a")).toMatchObject({ ok: true });
  });

  it("answer the last counts, marked not current, while the database is away, and still take votes", async () => {
    const { startWeb, vote, consume, database, logger } = await setUp();
    const web = startWeb();
    await vote(web, undefined, "a");
    await consume();
    expect(await web.readResults(undefined)).toMatchObject({ total: 1, current: true });
    database.fail();
    expect(await web.readResults(undefined)).toMatchObject({ total: 1, current: false });
    expect(await vote(web, undefined, "b", crypto.randomUUID())).toMatchObject({ ok: true });
    expect(logger.events("warn")).toEqual(["results.stale"]);
  });

  it("count each client's polls against the creation limit when there is one, and none when there isn't", async () => {
    const { startWeb, redis } = await setUp();
    const limited = startWeb({
      pollCreateLimiter: redis.rateLimiter({ scope: "polls", limit: 1, windowMs: 3_600_000 }),
    });
    const draft = { question: "Tea or coffee?", options: ["Tea", "Coffee"], client: "203.0.113.9" };
    expect((await limited.createPoll(draft)).ok).toBe(true);
    expect(await limited.createPoll(draft)).toMatchObject({ ok: false, reason: "rate-limited" });
    const unlimited = startWeb();
    for (let i = 0; i < 5; i++) expect((await unlimited.createPoll(draft)).ok).toBe(true);
  });

  it("let only a poll's owner close it and export its ballots", async () => {
    const { startWeb, vote, consume } = await setUp();
    const web = startWeb();
    const created = await createTea(web);
    const { poll, manageToken } = created;
    await vote(web, poll.id, "b");
    await consume();
    expect(await web.authorizeManager(poll.id, manageToken)).toEqual({ ok: true, poll });
    expect(await web.setPollStatus(poll.id, "guess", "closed")).toEqual({ ok: false, reason: "wrong-token" });
    expect(await web.exportBallots(poll.id, undefined)).toEqual({ ok: false, reason: "no-token" });
    const exported = await web.exportBallots(poll.id, manageToken);
    const rows = [];
    if (exported.ok) for await (const chunk of exported.rows) rows.push(...chunk);
    expect(rows.map((row) => row.option)).toEqual(["b"]);
    expect(await web.authorizeManager("default", manageToken)).toEqual({ ok: false, reason: "wrong-token" });
  });

  it("hide a hidden poll's counts from everyone but its owner until revealed, showing only how many voted", async () => {
    const { startWeb, vote, consume } = await setUp();
    const web = startWeb();
    const { poll, manageToken } = await createTea(web, { results: "hidden", maxChoices: 2 });
    await vote(web, poll.id, ["a", "b"]);
    await vote(web, poll.id, "b", crypto.randomUUID());
    await consume();
    const anyone = await web.readResults(poll.id);
    expect(anyone).toMatchObject({ hidden: true, participants: 2 });
    expect(JSON.stringify(anyone)).not.toMatch(/votes|percent|total/);
    const owner = async () => ({ owner: true, voted: false });
    expect(counts(await web.readResults(poll.id, undefined, owner))).toEqual({ a: 1, b: 2 });
    expect(await web.revealPoll(poll.id, manageToken)).toMatchObject({ ok: true });
    expect(counts(await web.readResults(poll.id))).toEqual({ a: 1, b: 2 });
    expect(await web.readResults(poll.id)).toMatchObject({ total: 3, participants: 2 });
  });

  it("refuse votes after a reset cast under the old revision, and count the ones cast again", async () => {
    const { startWeb, vote, redis, database } = await setUp();
    const web = startWeb({ pollTtlMs: 60_000 });
    const other = startWeb({ pollTtlMs: 60_000 });
    const { poll, manageToken } = await createTea(web);
    expect(await other.findPoll(poll.id)).toMatchObject({ revision: 0 });
    await vote(web, poll.id, "a");
    const beforeReset = redis.drain();
    expect(await web.resetPoll(poll.id, manageToken)).toMatchObject({ ok: true, poll: { revision: 1 } });
    expect(await vote(web, poll.id, "b")).toMatchObject({ ok: true, poll: { revision: 1 } });
    // A process that remembered the poll from before the reset: the store says stale, it reads again.
    expect(await vote(other, poll.id, "b", crypto.randomUUID())).toMatchObject({ ok: true, poll: { revision: 1 } });
    const verdicts = await processVotes([...beforeReset, ...redis.drain()].map(ballotMessage), {
      archive: database.voteArchive,
      polls: createPollLookup({ defaultPoll, source: database.pollArchive, ttlMs: 0 }),
    });
    expect(verdicts).toEqual([
      { action: "refused", refusal: { kind: "before-reset", poll: poll.id } },
      { action: "applied" },
      { action: "applied" },
    ]);
    expect(counts(await web.readResults(poll.id))).toEqual({ a: 0, b: 2 });
  });
});
