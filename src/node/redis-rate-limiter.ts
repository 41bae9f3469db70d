import type { RateLimiter } from "../core/ports.ts";
import { rateKey } from "../redis/keys.ts";
import { RATE_WINDOW_MS } from "../redis/scripts.ts";
import type { RedisClient } from "./redis-client.ts";

/** Fixed-window per-client vote limit on Redis over TCP, shared by every web replica. */
export function createRedisRateLimiter(client: RedisClient, prefix: string, perMinute: number): RateLimiter {
  return {
    async take(key) {
      const window = Math.floor(Date.now() / RATE_WINDOW_MS);
      const [count = 0, ttl = RATE_WINDOW_MS] = await client.rateWindow(rateKey(prefix, key, window), RATE_WINDOW_MS);
      if (count <= perMinute) return { allowed: true };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(ttl / 1000)) };
    },
  };
}
