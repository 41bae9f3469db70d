import { randomUUID } from "node:crypto";
import postgres from "postgres";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import type { Ballot } from "../../src/domain/ballots.ts";
import { createDefaultPoll } from "../../src/domain/polls.ts";
import { archiveEntries, createQueueConsumer, type QueueConsumerOptions } from "../../src/node/queue-consumer.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { streamNames } from "../../src/redis/keys.ts";
import { talliesAndVoteCounts } from "../helpers/invariants.ts";
import {
  createTestDatabase,
  createTestRedis,
  POSTGRES_ADMIN_URL,
  type TestDatabase,
  type TestRedis,
  waitFor,
} from "../helpers/services.ts";
import { createStreamPublisher } from "../helpers/stream.ts";

const defaultPoll = createDefaultPoll("Cats", "Dogs");
const polls = { find: async (id: string) => (id === defaultPoll.id ? defaultPoll : undefined) };
const quiet = createJsonLogger({}, "error", () => {});

function ballot(choice: string, version = 1, voter = randomUUID()): Ballot {
  return { poll: "default", voter, choices: [choice], version, castAt: new Date().toISOString(), revision: 0 };
}

describe("the Redis Stream queue", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  const running: { stop: AbortController; done: Promise<void> }[] = [];

  beforeEach(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  });
  afterEach(async () => {
    for (const consumer of running.splice(0)) {
      consumer.stop.abort();
      await consumer.done;
    }
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  function startConsumer(overrides: Partial<QueueConsumerOptions> = {}) {
    const archive = createPostgresVoteArchive(db.sql);
    const consumer = createQueueConsumer({
      client: redis.client,
      names: streamNames(redis.prefix),
      consumer: "test-consumer",
      batchSize: 100,
      claimIdleMs: 60_000,
      blockMs: 100,
      logger: quiet,
      handle: archiveEntries({ archive, polls }),
      ...overrides,
    });
    const stop = new AbortController();
    const handle = { stop, done: consumer.run(stop.signal) };
    running.push(handle);
    return handle;
  }

  const names = () => streamNames(redis.prefix);
  const backlog = () => redis.client.xLen(names().stream);
  const drained = async () => (await backlog()) === 0 && (await pendingCount()) === 0;
  const pendingCount = async () => {
    try {
      return (await redis.client.xPending(names().stream, names().group)).pending;
    } catch {
      return 0;
    }
  };

  it("moves published ballots into PostgreSQL, then acknowledges and deletes them", async () => {
    const publisher = createStreamPublisher(redis.client, names());
    const ballots = [ballot("a"), ballot("a"), ballot("b")];
    for (const b of ballots) await publisher.publish(b);
    expect(await backlog()).toBe(3);
    startConsumer();
    await waitFor(drained, "the stream to drain");
    expect((await talliesAndVoteCounts(db.sql)).tallies).toEqual({ a: 2, b: 1 });
  });

  it("applies a voter's newest ballot even when an older one is published after it", async () => {
    const publisher = createStreamPublisher(redis.client, names());
    const voter = randomUUID();
    await publisher.publish(ballot("b", 2, voter));
    await publisher.publish(ballot("a", 1, voter));
    startConsumer();
    await waitFor(drained, "the stream to drain");
    expect((await talliesAndVoteCounts(db.sql)).tallies).toEqual({ b: 1 });
  });

  it("takes over entries a dead consumer left pending", async () => {
    const publisher = createStreamPublisher(redis.client, names());
    for (let i = 0; i < 5; i++) await publisher.publish(ballot("a"));
    // A consumer that read the entries and then died before acknowledging them.
    await redis.client.xGroupCreate(names().stream, names().group, "0");
    const taken = await redis.client.xReadGroup(
      names().group,
      "crashed",
      { key: names().stream, id: ">" },
      { COUNT: 10 },
    );
    expect(taken?.[0]?.messages).toHaveLength(5);
    expect(await pendingCount()).toBe(5);

    startConsumer({ consumer: "survivor", claimIdleMs: 200 });
    await waitFor(drained, "the pending entries to be claimed");
    expect((await talliesAndVoteCounts(db.sql)).tallies).toEqual({ a: 5 });
  });

  it("finishes its own pending entries first when it restarts under the same name", async () => {
    const publisher = createStreamPublisher(redis.client, names());
    for (let i = 0; i < 3; i++) await publisher.publish(ballot("b"));
    await redis.client.xGroupCreate(names().stream, names().group, "0");
    await redis.client.xReadGroup(names().group, "test-consumer", { key: names().stream, id: ">" }, { COUNT: 10 });
    startConsumer();
    await waitFor(drained, "its own pending entries to be done");
    expect((await talliesAndVoteCounts(db.sql)).tallies).toEqual({ b: 3 });
  });

  it("sends malformed entries to the dead-letter stream with a reason, and applies the rest", async () => {
    const publisher = createStreamPublisher(redis.client, names());
    await publisher.publish(ballot("a"));
    await redis.client.xAdd(names().stream, "*", { ballot: "{not json" });
    await redis.client.xAdd(names().stream, "*", { something: "else" });
    await publisher.publish({ ...ballot("a"), choices: ["zebra"] });
    startConsumer();
    await waitFor(drained, "the stream to drain");
    const dead = (await redis.client.xRange(names().deadLetters, "-", "+")) ?? [];
    expect(dead).toHaveLength(3);
    expect(dead.map((entry) => entry?.message.reason)).toEqual([
      "malformed: not JSON",
      "malformed: not an object",
      'poll default has no option "zebra"',
    ]);
    expect(dead[0]?.message.ballot).toBe("{not json");
    expect((await talliesAndVoteCounts(db.sql)).tallies).toEqual({ a: 1 });
  });

  it("dead-letters an entry that keeps coming back without ever succeeding", async () => {
    const publisher = createStreamPublisher(redis.client, names());
    await publisher.publish(ballot("a"));
    await redis.client.xGroupCreate(names().stream, names().group, "0");
    // Eleven deliveries that never ended in an acknowledgement (crashes mid-batch).
    for (let i = 0; i < 11; i++) {
      await redis.client.xReadGroup(names().group, "test-consumer", { key: names().stream, id: i === 0 ? ">" : "0" });
    }
    startConsumer({ maxDeliveries: 10 });
    await waitFor(drained, "the stream to drain");
    const dead = (await redis.client.xRange(names().deadLetters, "-", "+")) ?? [];
    expect(dead[0]?.message.reason).toMatch(/delivered 1[12] times/);
    expect((await talliesAndVoteCounts(db.sql)).tallies).toEqual({});
  });

  it("waits out a database outage and then applies everything, dropping nothing", async () => {
    const publisher = createStreamPublisher(redis.client, names());
    const admin = postgres(POSTGRES_ADMIN_URL, { max: 1, onnotice: () => {} });
    const consumerSql = postgres(db.url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
    try {
      const archive = createPostgresVoteArchive(consumerSql);
      let failures = 0;
      startConsumer({
        handle: async (entries) => {
          const verdicts = await archiveEntries({ archive, polls })(entries);
          if (verdicts.some((verdict) => verdict.action === "retry")) failures++;
          return verdicts;
        },
      });
      // The database stops taking connections and drops the consumer's.
      await admin.unsafe(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS false`);
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${db.name} AND pid <> pg_backend_pid()`;
      for (let i = 0; i < 20; i++) await publisher.publish(ballot(i % 4 === 0 ? "b" : "a"));
      await waitFor(async () => failures >= 2, "the consumer to fail and retry");
      expect(await backlog()).toBe(20);

      await admin.unsafe(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
      await waitFor(drained, "the stream to drain after the outage", 40_000);
      expect((await talliesAndVoteCounts(db.sql)).tallies).toEqual({ a: 15, b: 5 });
      expect(await redis.client.xLen(names().deadLetters)).toBe(0);
    } finally {
      await admin.unsafe(`ALTER DATABASE ${db.name} WITH ALLOW_CONNECTIONS true`);
      await Promise.all([consumerSql.end({ timeout: 1 }), admin.end()]);
    }
  });
});
