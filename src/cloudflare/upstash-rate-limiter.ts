import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { RateLimiter } from "../core/ports.ts";

/**
 * Per-client limit with @upstash/ratelimit: a fixed window counted in the
 * same Upstash database, so it holds across every location and isolate, and
 * its size comes from VOTE_RATE_LIMIT (per minute) or POLL_CREATE_RATE_LIMIT
 * (per hour) like on Node.
 */
export function createUpstashRateLimiter(
  redis: Redis,
  prefix: string,
  perMinute: number,
  options: { scope?: string; window?: "60 s" | "1 h" } = {},
): RateLimiter {
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.fixedWindow(perMinute, options.window ?? "60 s"),
    // Votes keep the prefix they always had; other scopes get their own.
    prefix: options.scope ? `${prefix}ratelimit:${options.scope}` : `${prefix}ratelimit`,
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
