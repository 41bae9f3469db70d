import { describe, expect, it } from "vitest";
import { createUpstashRateLimiter } from "../../src/cloudflare/upstash-rate-limiter.ts";
import { prefix, redis } from "./support.ts";

describe("the edge vote limit (@upstash/ratelimit through Upstash's REST protocol)", () => {
  it("lets a client vote VOTE_RATE_LIMIT times a minute, then says when to come back", async () => {
    const limiter = createUpstashRateLimiter(redis, `${prefix}rl-${crypto.randomUUID()}:`, 3);
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.take("203.0.113.9"));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    const refused = verdicts[3]!;
    expect(refused.allowed ? 0 : refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(refused.allowed ? 0 : refused.retryAfter).toBeLessThanOrEqual(60);
    expect((await limiter.take("198.51.100.4")).allowed).toBe(true);
  });
});
