import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { streamNames } from "../../src/redis/keys.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { countChoices, storedChoices, talliesAndVoteCounts } from "../helpers/invariants.ts";
import { type Started, startEntry } from "../helpers/processes.ts";
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
  waitFor,
} from "../helpers/services.ts";

const VOTERS = 300;
const VOTES_PER_VOTER = 12;
const KILLS = 8;

describe("consumers killed with SIGKILL while votes pour in", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  });
  afterAll(async () => {
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  it("lose no vote: tallies equal every voter's last choice and SUM(tallies) = COUNT(votes)", async () => {
    const config = parseNodeConfig({ COOKIE_SECRET: "chaos-test-secret-0123456789", REDIS_PREFIX: redis.prefix });
    const names = streamNames(redis.prefix);
    const app = buildWeb(
      config,
      { redis: redis.client, sql: db.sql },
      { logger: createJsonLogger({}, "error", () => {}), hostname: "chaos" },
    );

    const consumerEnv = (name: string) => ({
      DATABASE_URL: db.url,
      REDIS_PREFIX: redis.prefix,
      PORT: "0",
      CONSUMER_NAME: name,
      CONSUMER_BATCH_SIZE: "50",
      CONSUMER_CLAIM_IDLE_MS: "500",
    });
    // Two consumers at once; a killed one comes back under a new name half the time,
    // so its pending entries must be claimed by the others.
    let generation = 0;
    const consumers: Started[] = [startEntry("consumer", consumerEnv("c0")), startEntry("consumer", consumerEnv("c1"))];
    let kills = 0;
    let voting = true;
    const chaos = (async () => {
      while (voting || kills < KILLS) {
        await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 450));
        const slot = kills % consumers.length;
        const victim = consumers[slot]!;
        victim.child.kill("SIGKILL");
        await victim.exited;
        kills++;
        const name = kills % 2 === 0 ? `c${slot}` : `c${slot}-${++generation}`;
        consumers[slot] = startEntry("consumer", consumerEnv(name));
      }
    })();

    const lastChoice = new Map<string, string>();
    let accepted = 0;
    const voters = Array.from({ length: VOTERS }, () => new CookieJar());
    // Twenty clients at once; each voter's votes stay in order (one worker per voter).
    const workers = Array.from({ length: 20 }, async (_, w) => {
      for (let v = w; v < voters.length; v += 20) {
        const jar = voters[v]!;
        for (let i = 0; i < VOTES_PER_VOTER; i++) {
          const choice = Math.random() < 0.5 ? "a" : "b";
          const response = await app.fetch(
            new Request("http://vote.test/vote", {
              method: "POST",
              headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: jar.header() },
              body: `vote=${choice}`,
            }),
          );
          expect(response.status).toBe(200);
          jar.take(response);
          lastChoice.set(decodeURIComponent(jar.get("voter_id")!).split(".")[0]!, choice);
          accepted++;
        }
      }
    });
    await Promise.all(workers);
    voting = false;
    await chaos;
    expect(accepted).toBe(VOTERS * VOTES_PER_VOTER);
    expect(kills).toBeGreaterThanOrEqual(KILLS);

    try {
      await waitFor(
        async () =>
          (await redis.client.xLen(names.stream)) === 0 &&
          (await redis.client.xPending(names.stream, names.group)).pending === 0,
        "the consumers to drain the stream",
        90_000,
      );
    } finally {
      for (const consumer of consumers) consumer.child.kill("SIGTERM");
      await Promise.all(consumers.map((consumer) => consumer.exited));
    }

    const expected = countChoices(lastChoice.values());
    const { tallies, counted } = await talliesAndVoteCounts(db.sql);
    expect(counted).toEqual(expected);
    expect(tallies).toEqual(expected);
    expect(await storedChoices(db.sql)).toEqual(lastChoice);
    const [sums] = await db.sql<{ tallied: string; rows: string }[]>`
      SELECT (SELECT sum(votes) FROM tallies) AS tallied, (SELECT count(*) FROM votes) AS rows`;
    expect(Number(sums!.tallied)).toBe(VOTERS);
    expect(Number(sums!.rows)).toBe(VOTERS);
    expect(await redis.client.exists(names.deadLetters)).toBe(0);
  });
});
