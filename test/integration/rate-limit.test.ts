import { hostname } from "node:os";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { createRedisRateLimiter, createRedisVoteStore } from "../../src/adapters/redis.ts";
import { createStreamBallotBox } from "../../src/adapters/redis-stream.ts";
import { parseNodeConfig } from "../../src/config.ts";
import { createJsonLogger } from "../../src/logger.ts";
import { createTestRedis, type TestRedis } from "../helpers/services.ts";

describe("the vote rate limit (VOTE_RATE_LIMIT)", () => {
  let redis: TestRedis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  function appWithLimit(perMinute: number) {
    const config = parseNodeConfig({ VOTE_RATE_LIMIT: String(perMinute) });
    return createApp({
      config,
      store: createRedisVoteStore(redis.client, redis.prefix),
      ballotBox: createStreamBallotBox(redis.client, redis.prefix),
      readTallies: async () => ({}),
      logger: createJsonLogger({}, "error", () => {}),
      hostname: hostname(),
      readiness: {},
      rateLimiter: createRedisRateLimiter(redis.client, redis.prefix, config.voteRateLimit),
      clientIp: (c) => c.req.header("x-forwarded-for"),
    });
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
