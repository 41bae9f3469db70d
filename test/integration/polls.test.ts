import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { processVotes } from "../../src/core/process-votes.ts";
import type { Ballot } from "../../src/domain/ballots.ts";
import { buildConsumer, buildWeb, saveDefaultPoll } from "../../src/node/compose.ts";
import { type NodeConfig, parseNodeConfig } from "../../src/node/config.ts";
import { createPostgresPollArchive } from "../../src/postgres/poll-archive.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { pollHashKey, streamNames } from "../../src/redis/keys.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
  waitFor,
} from "../helpers/services.ts";

const quiet = createJsonLogger({}, "error", () => {});

describe("polls underneath: PostgreSQL first, Redis for the vote path", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let config: NodeConfig;
  const stops: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
    config = parseNodeConfig({
      COOKIE_SECRET: "polls-test-secret-0123456789",
      REDIS_PREFIX: redis.prefix,
      CONSUMER_BATCH_SIZE: "50",
      CONSUMER_CLAIM_IDLE_MS: "60000",
    });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  const web = () => buildWeb(config, { redis: redis.client, sql: db.sql }, { logger: quiet, hostname: "t" });
  async function startConsumer(logger = quiet) {
    const reader = redis.client.duplicate();
    await reader.connect();
    const consumer = buildConsumer(config, { reader, redis: redis.client, sql: db.sql }, { logger, blockMs: 50 });
    const stop = new AbortController();
    const running = consumer.run(stop.signal);
    stops.push(async () => {
      stop.abort();
      await running;
      await reader.quit();
    });
    return consumer;
  }
  const request = (app: ReturnType<typeof web>, path: string, init: RequestInit = {}) =>
    app.fetch(new Request(`http://vote.test${path}`, init));
  async function create(app: ReturnType<typeof web>) {
    const response = await request(app, "/api/polls", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: "Tea or coffee?", options: ["Tea", "Coffee"] }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; manageToken: string };
  }
  const vote = async (app: ReturnType<typeof web>, poll: string, choice: string, jar = new CookieJar()) => {
    const response = await request(app, `/p/${poll}/vote`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() },
      body: `vote=${choice}`,
    });
    jar.take(response);
    return response.status;
  };
  const tallies = async (poll: string) =>
    Object.fromEntries(
      (
        await db.sql<{ option_id: string; votes: string }[]>`
        SELECT option_id, votes FROM tallies WHERE poll_id = ${poll} AND votes > 0`
      ).map((r) => [r.option_id, Number(r.votes)]),
    );

  it("keeps a poll's lifecycle in PostgreSQL, its token only as a hash, and its copy in Redis", async () => {
    const app = web();
    const poll = await create(app);
    const [row] = await db.sql<{ status: string; manage_token_hash: string; question: string }[]>`
      SELECT status, manage_token_hash, question FROM polls WHERE id = ${poll.id}`;
    expect(row).toMatchObject({ status: "open", question: "Tea or coffee?" });
    expect(row?.manage_token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row?.manage_token_hash).not.toContain(poll.manageToken);
    expect(await redis.client.hGetAll(pollHashKey(redis.prefix, poll.id))).toMatchObject({ status: "open" });
    const close = await request(app, `/api/polls/${poll.id}/close`, {
      method: "POST",
      headers: { Authorization: `Bearer ${poll.manageToken}` },
    });
    expect(close.status).toBe(200);
    const [closed] = await db.sql<{ status: string; closed_at: Date | null }[]>`
      SELECT status, closed_at FROM polls WHERE id = ${poll.id}`;
    expect(closed?.status).toBe("closed");
    expect(closed?.closed_at).not.toBeNull();
    expect(await redis.client.hGet(pollHashKey(redis.prefix, poll.id), "status")).toBe("closed");
  });

  it("never counts a ballot still in the queue when the close lands: refused, counted and logged, never dead-lettered", async () => {
    const app = web();
    const poll = await create(app);
    // Votes wait in the stream: no consumer is running yet.
    for (const choice of ["a", "a", "b"]) expect(await vote(app, poll.id, choice)).toBe(200);
    const close = await request(app, `/api/polls/${poll.id}/close`, {
      method: "POST",
      headers: { Authorization: `Bearer ${poll.manageToken}` },
    });
    expect(close.status).toBe(200);
    const lines: Record<string, unknown>[] = [];
    const consumer = await startConsumer(createJsonLogger({}, "info", (line) => lines.push(JSON.parse(line))));
    const names = streamNames(redis.prefix);
    await waitFor(async () => (await redis.client.xLen(names.stream)) === 0, "the stream to drain");
    expect(await tallies(poll.id)).toEqual({});
    expect(await redis.client.xLen(names.deadLetters)).toBe(0);
    const refused = lines.filter((line) => line.event === "vote.refused");
    expect(refused).toHaveLength(3);
    for (const line of refused) expect(line.reason).toBe(`poll ${poll.id} is closed: its counts are final`);
    const metrics = await (await consumer.fetch(new Request("http://consumer.test/metrics"))).text();
    expect(metrics).toMatch(/^votes_processed_total\{outcome="refused"[^}]*\} 3$/m);
    expect(metrics).toMatch(/^votes_processed_total\{outcome="dead_lettered"[^}]*\} 0$/m);
  });

  it("reloads a poll from PostgreSQL when Redis has lost it, and votes go on", async () => {
    const app = web();
    const poll = await create(app);
    await startConsumer();
    await redis.client.del(pollHashKey(redis.prefix, poll.id));
    // A second web process that has never seen the poll, as after a Redis restart.
    const other = web();
    expect(await vote(other, poll.id, "b")).toBe(200);
    expect(await redis.client.hGet(pollHashKey(redis.prefix, poll.id), "question")).toBe("Tea or coffee?");
    await waitFor(async () => (await tallies(poll.id)).b === 1, "the vote to be counted");
  });

  it("keeps a closed poll's tallies final under redelivery and late ballots", async () => {
    const app = web();
    const poll = await create(app);
    await saveDefaultPoll(config, db.sql);
    const archive = createPostgresVoteArchive(db.sql);
    const polls = createPostgresPollArchive(db.sql);
    const voter = (n: number) => `0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b${String(n).padStart(2, "0")}`;
    const ballot = (n: number, choice: string, version: number): Ballot => ({
      poll: poll.id,
      voter: voter(n),
      choices: [choice],
      version,
      castAt: "2026-11-29T10:00:00.000Z",
      revision: 0,
    });
    const first = [ballot(1, "a", 10), ballot(2, "a", 10), ballot(3, "b", 10)];
    const deps = { archive, polls: { find: (id: string) => polls.readPoll(id) } };
    expect(await processVotes(first, deps)).toEqual(first.map(() => ({ action: "applied" })));
    expect(await tallies(poll.id)).toEqual({ a: 2, b: 1 });
    await polls.setStatus(poll.id, "closed");
    const late = [...first, ballot(1, "b", 11), ballot(4, "b", 12)];
    const verdicts = await processVotes(late, deps);
    expect(verdicts).toEqual(late.map(() => ({ action: "refused", refusal: { kind: "poll-closed", poll: poll.id } })));
    expect(await tallies(poll.id)).toEqual({ a: 2, b: 1 });
    const [rows] = await db.sql<{ n: string }[]>`SELECT count(*) AS n FROM votes WHERE poll_id = ${poll.id}`;
    expect(Number(rows?.n)).toBe(3);
  });
});
