import type { RateLimiter } from "../core/ports.ts";
import { rateKey } from "../redis/keys.ts";
import { answered, type RedisClient } from "./redis-client.ts";

/**
 * A fixed-window per-client limit on Redis over TCP, shared by every web
 * replica: at most `limit` takes per client in each window of `windowMs`.
 */
export function createRateLimiter(
  client: RedisClient,
  prefix: string,
  options: { scope: string; limit: number; windowMs: number },
): RateLimiter {
  const { scope, limit, windowMs } = options;
  return {
    async take(key) {
      const window = Math.floor(Date.now() / windowMs);
      const [count = 0, ttl = windowMs] = await answered(
        client.rateWindow(rateKey(prefix, scope, key, window), windowMs),
      );
      if (count <= limit) return { allowed: true };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(ttl / 1000)) };
    },
  };
}
