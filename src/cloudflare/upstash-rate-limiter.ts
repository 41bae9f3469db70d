import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { RateLimiter } from "../core/ports.ts";

/**
 * Per-client limit with @upstash/ratelimit: a fixed window counted in the
 * same Upstash database, so it holds across every location and isolate. It
 * counts poll creation (POLL_CREATE_RATE_LIMIT per hour, like on Node); the
 * vote limits are counted inside the vote script instead (./upstash.ts).
 */
export function createUpstashRateLimiter(
  redis: Redis,
  prefix: string,
  limit: number,
  options: { scope?: string; window?: "60 s" | "1 h" } = {},
): RateLimiter {
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.fixedWindow(limit, options.window ?? "60 s"),
    // Each scope counts under keys of its own.
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
