import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { RateLimiter } from "../core/ports.ts";

/**
 * Per-client vote limit with @upstash/ratelimit: a fixed one-minute window
 * counted in the same Upstash database, so it holds across every location
 * and isolate, and its size comes from VOTE_RATE_LIMIT like on Node.
 */
export function createUpstashRateLimiter(redis: Redis, prefix: string, perMinute: number): RateLimiter {
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.fixedWindow(perMinute, "60 s"),
    prefix: `${prefix}ratelimit`,
    analytics: false,
  });
  return {
    async take(key) {
      const verdict = await limiter.limit(key);
      if (verdict.success) return { allowed: true };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil((verdict.reset - Date.now()) / 1000)) };
    },
  };
}
