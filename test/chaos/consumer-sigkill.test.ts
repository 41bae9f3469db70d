import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { streamNames } from "../../src/redis/keys.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
import { countChoices, storedChoices, talliesAndVoteCounts } from "../helpers/invariants.ts";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "../helpers/services.ts";
import { startKillingConsumers } from "./consumer-chaos.ts";

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

    const chaos = startKillingConsumers(db, redis, KILLS);

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
    await Promise.all(workers).catch(async (error) => {
      await chaos.abort();
      throw error;
    });
    expect(accepted).toBe(VOTERS * VOTES_PER_VOTER);
    expect(await chaos.drainAndStop()).toBeGreaterThanOrEqual(KILLS);

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
