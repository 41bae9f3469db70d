import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb, saveDefaultPoll } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { type OwnRedis, startOwnRedis } from "../helpers/own-redis.ts";
import { createTestDatabase, type TestDatabase } from "../helpers/services.ts";

/** A poll id as the app makes them (12 URL-safe characters) that nobody created. */
const randomPollId = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);

describe("poll ids nobody created, asked for at random", () => {
  let redis: OwnRedis;
  let db: TestDatabase;
  let app: ReturnType<typeof buildWeb>;
  let sql: postgres.Sql;
  let queries = 0;

  beforeAll(async () => {
    [redis, db] = await Promise.all([startOwnRedis(), createTestDatabase()]);
    const config = parseNodeConfig({ REDIS_URL: redis.url, TRUSTED_PROXY_HOPS: "1", POLL_CREATE_RATE_LIMIT: "0" });
    // The web's own pool, counting every query it sends.
    sql = postgres(db.url, { max: 2, onnotice: () => {}, debug: () => void queries++ });
    await saveDefaultPoll(config, sql);
    const logger = createJsonLogger({}, "error", () => {});
    // Polls are remembered 50 ms here instead of a second: an unknown id must outlast that by far.
    app = buildWeb(config, { redis: redis.client, sql }, { logger, hostname: "t", pollTtlMs: 50 });
  });
  afterAll(async () => {
    await sql.end();
    await Promise.all([redis.stop(), db.drop()]);
  });

  const get = (path: string, client: string) =>
    app.fetch(new Request(`http://vote.test${path}`, { headers: { "X-Forwarded-For": client } }));
  /** Reads of a poll's hash in Redis so far. */
  const redisReads = async () =>
    Number(/cmdstat_hgetall:calls=(\d+)/.exec(await redis.client.info("commandstats"))?.[1] ?? 0);
  /** Queries the web process sent PostgreSQL so far. */
  const databaseQueries = async () => queries;

  it("remembers an unknown id: asked for again and again, it costs one read of each store", async () => {
    const id = randomPollId();
    const [readsBefore, queriesBefore] = [await redisReads(), await databaseQueries()];
    expect((await get(`/api/polls/${id}`, "198.51.100.1")).status).toBe(404);
    const [reads, asked] = [await redisReads(), await databaseQueries()];
    expect([reads - readsBefore, asked - queriesBefore]).toEqual([1, 1]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (let i = 0; i < 20; i++) expect((await get(`/p/${id}`, `198.51.100.${2 + i}`)).status).toBe(404);
    expect(await redisReads()).toBe(reads);
    expect(await databaseQueries()).toBe(asked);
  });

  it("answers a client asking for many unknown ids 429 with Retry-After, before touching a store; others go on", async () => {
    const scanner = "2001:db8:5ca:4::1";
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await get(`/p/${randomPollId()}`, scanner)).status);
    expect(statuses.slice(0, 30)).toEqual(Array(30).fill(404));
    expect(new Set(statuses.slice(30))).toEqual(new Set([429]));
    const reads = await redisReads();
    // Another address of the same /64 is the same client.
    const refused = await get(`/api/results?poll=${randomPollId()}`, "2001:db8:5ca:4:ffff::9");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await redisReads()).toBe(reads);
    expect((await get(`/p/${randomPollId()}`, "203.0.113.77")).status).toBe(404);
    expect((await get("/vote", scanner)).status).toBe(200);
  });

  it("asks the database about at most a budget of ids the vote store lacks, however many clients ask", async () => {
    const before = await databaseQueries();
    const started = performance.now();
    for (let i = 0; i < 300; i++) await get(`/p/${randomPollId()}`, `10.9.${Math.floor(i / 250)}.${i % 250}`);
    const seconds = (performance.now() - started) / 1000;
    // The budget lets 100 through at once and 20 a second after that.
    expect((await databaseQueries()) - before).toBeLessThanOrEqual(100 + Math.ceil(20 * seconds));
  });
});
