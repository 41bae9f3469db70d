import { Ratelimit } from "@upstash/ratelimit";
import type { Redis } from "@upstash/redis/cloudflare";
import type { RateLimiter } from "../core/ports.ts";

/**
 * A fixed-window per-client limit with @upstash/ratelimit, counted in the
 * same Upstash database, so it holds across every location and isolate: at
 * most `limit` takes per client in each window of `windowMs`. It counts poll
 * creation; the vote limits are counted inside the vote script instead
 * (src/cloudflare/choice-recorder.ts).
 */
export function createRateLimiter(
  redis: Redis,
  prefix: string,
  options: { scope: string; limit: number; windowMs: number },
): RateLimiter {
  const limiter = new Ratelimit({
    redis,
    limiter: Ratelimit.fixedWindow(options.limit, `${options.windowMs} ms`),
    // Each scope counts under keys of its own.
    prefix: `${prefix}ratelimit:${options.scope}`,
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
