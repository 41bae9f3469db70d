import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import type { VoteArchive } from "../../src/core/ports.ts";
import type { Ballot } from "../../src/domain/ballots.ts";
import { createDefaultPoll } from "../../src/domain/polls.ts";
import { createRedisClient, type RedisClient } from "../../src/node/redis-client.ts";
import { createTallyCache, type TallyCache } from "../../src/node/tally-cache.ts";
import { announcingChanges, listenForChanges } from "../../src/node/tally-notices.ts";
import { createPostgresPollArchive } from "../../src/postgres/poll-archive.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { tallyNoticesChannel } from "../../src/redis/keys.ts";
import {
  createTestDatabase,
  createTestRedis,
  REDIS_URL,
  type TestDatabase,
  type TestRedis,
  waitFor,
} from "../helpers/services.ts";

const poll = createDefaultPoll("Cats", "Dogs");
let version = 0;
const ballot = (choice: string): Ballot => ({
  poll: poll.id,
  voter: randomUUID(),
  choices: [choice],
  version: ++version,
  castAt: new Date().toISOString(),
  revision: 0,
});

/** The consumer's archive publishing its notices, and a web process's results cache listening, on real Redis and PostgreSQL. */
describe("notices of changed counts (src/node/tally-notices.ts)", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let subscriber: RedisClient;
  let clock: number;
  let results: TallyCache;
  let plain: VoteArchive;
  let announcing: VoteArchive;
  const logged: string[] = [];
  const logger = createJsonLogger({}, "warn", (line) => logged.push(line));

  beforeEach(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
    await createPostgresPollArchive(db.sql).savePoll(poll);
    subscriber = createRedisClient(REDIS_URL);
    await subscriber.connect();
    clock = 0;
    plain = createPostgresVoteArchive(db.sql);
    announcing = announcingChanges(plain, redis.client, redis.prefix, logger);
    results = createTallyCache(plain.readTallies, { ttlMs: 1_000, refreshAfterChangeMs: 250, now: () => clock });
    await listenForChanges(subscriber, redis.prefix, results.changed, logger);
    logged.length = 0;
  });
  afterEach(async () => {
    await subscriber.quit();
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  it("shows a batch's votes once the shorter interval has passed, where counts without a notice wait the full one", async () => {
    expect((await results(poll.id)).participants).toBe(0);

    // Written without a notice: the counts stay cached for the whole second.
    await plain.applyBallots([ballot("a")]);
    clock = 300;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await results(poll.id)).participants).toBe(0);

    // The same cache entry, then a batch with its notice: read again 250 ms after the last read began.
    await announcing.applyBallots([ballot("b"), ballot("b")]);
    const counted = await waitFor(async () => {
      const counts = await results(poll.id);
      return counts.participants === 3 && counts;
    }, "the counts read again after the notice");
    expect(counted.options).toEqual({ a: 1, b: 2 });
  });

  it("names only the polls whose ballots were applied, and a notice it can't read is logged, not thrown", async () => {
    const heard: string[] = [];
    const listener = createRedisClient(REDIS_URL);
    await listener.connect();
    try {
      await listenForChanges(listener, redis.prefix, (id) => heard.push(id), logger);
      await announcing.applyBallots([{ ...ballot("a"), poll: "no-such-poll" }]);
      await redis.client.publish(tallyNoticesChannel(redis.prefix), "not json");
      await announcing.applyBallots([ballot("a")]);
      await waitFor(async () => heard.length > 0, "a notice");
      expect(heard).toEqual([poll.id]);
      await waitFor(async () => logged.some((line) => line.includes("tallies.notice_unreadable")), "the log line");
    } finally {
      await listener.quit();
    }
  });
});
