import postgres from "postgres";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import {
  createTestDatabase,
  createTestRedis,
  POSTGRES_ADMIN_URL,
  type TestDatabase,
  type TestRedis,
} from "../helpers/services.ts";

describe("the vote rate limit (VOTE_RATE_LIMIT)", () => {
  let redis: TestRedis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  // Votes never read PostgreSQL: a pool that is never used stands for it.
  const sql = postgres(POSTGRES_ADMIN_URL, { max: 1 });
  afterAll(() => sql.end());

  function appWithLimit(perMinute: number) {
    const config = parseNodeConfig({
      VOTE_RATE_LIMIT: String(perMinute),
      REDIS_PREFIX: redis.prefix,
      TRUSTED_PROXY_HOPS: "1",
    });
    return buildWeb(
      config,
      { redis: redis.client, sql },
      { logger: createJsonLogger({}, "error", () => {}), hostname: "test" },
    );
  }

  const vote = (app: ReturnType<typeof appWithLimit>, ip: string, path = "/vote") =>
    app.fetch(
      new Request(`http://vote.test${path}`, {
        method: "POST",
        headers:
          path === "/vote"
            ? { "Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": ip }
            : { "Content-Type": "application/json", "X-Forwarded-For": ip },
        body: path === "/vote" ? "vote=a" : JSON.stringify({ vote: "a" }),
      }),
    );

  it("answers 429 with Retry-After once a client IP is over its votes per minute, and records nothing", async () => {
    const app = appWithLimit(2);
    expect((await vote(app, "203.0.113.7")).status).toBe(200);
    expect((await vote(app, "203.0.113.7")).status).toBe(200);
    const refused = await vote(app, "203.0.113.7");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.text()).toContain("Too many votes");
    const api = await vote(app, "203.0.113.7", "/api/votes");
    expect(api.status).toBe(429);
    expect(await api.json()).toEqual({ error: expect.stringContaining("Too many votes") });
    expect(await redis.client.xLen(`${redis.prefix}votes`)).toBe(2);
  });

  it("counts each client IP separately", async () => {
    const app = appWithLimit(1);
    expect((await vote(app, "198.51.100.1")).status).toBe(200);
    expect((await vote(app, "198.51.100.2")).status).toBe(200);
    expect((await vote(app, "198.51.100.1")).status).toBe(429);
  });
});

describe("the poll creation limit (POLL_CREATE_RATE_LIMIT)", () => {
  let redis: TestRedis;
  let db: TestDatabase;
  beforeEach(async () => {
    [redis, db] = await Promise.all([createTestRedis(), createTestDatabase()]);
  });
  afterEach(async () => {
    await Promise.all([redis.cleanup(), db.drop()]);
  });

  it("answers 429 with Retry-After once a client created its polls for the hour, creating nothing more", async () => {
    const config = parseNodeConfig({
      POLL_CREATE_RATE_LIMIT: "2",
      REDIS_PREFIX: redis.prefix,
      TRUSTED_PROXY_HOPS: "1",
    });
    const logger = createJsonLogger({}, "error", () => {});
    const app = buildWeb(config, { redis: redis.client, sql: db.sql }, { logger, hostname: "t" });
    const create = (ip: string) =>
      app.fetch(
        new Request("http://vote.test/api/polls", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-Forwarded-For": ip },
          body: JSON.stringify({ question: "?", options: ["a", "b"] }),
        }),
      );
    expect((await create("203.0.113.50")).status).toBe(201);
    expect((await create("203.0.113.50")).status).toBe(201);
    const refused = await create("203.0.113.50");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(await refused.json()).toEqual({ error: expect.stringContaining("Too many new polls") });
    expect((await create("203.0.113.51")).status).toBe(201);
    const [row] = await db.sql<{ n: string }[]>`SELECT count(*) AS n FROM polls WHERE id <> 'default'`;
    expect(Number(row?.n)).toBe(3);
  });

  it("counts poll creation by an IPv6 client's /64, as votes are: rotating addresses in it doesn't help", async () => {
    const config = parseNodeConfig({
      POLL_CREATE_RATE_LIMIT: "2",
      REDIS_PREFIX: redis.prefix,
      TRUSTED_PROXY_HOPS: "1",
    });
    const logger = createJsonLogger({}, "error", () => {});
    const app = buildWeb(config, { redis: redis.client, sql: db.sql }, { logger, hostname: "t" });
    const create = (ip: string) =>
      app.fetch(
        new Request("http://vote.test/api/polls", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-Forwarded-For": ip },
          body: JSON.stringify({ question: "?", options: ["a", "b"] }),
        }),
      );
    expect((await create("2001:db8:1:2::1")).status).toBe(201);
    expect((await create("2001:db8:1:2:aaaa::2")).status).toBe(201);
    expect((await create("2001:db8:1:2:ffff:ffff:ffff:ffff")).status).toBe(429);
    expect((await create("2001:db8:1:3::1")).status).toBe(201);
  });
});
