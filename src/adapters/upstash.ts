import { Ratelimit } from "@upstash/ratelimit";
import { Redis } from "@upstash/redis/cloudflare";
import type { RateLimiter, VoteStore } from "../ports.ts";
import { ballotKey, RECORD_CHOICE_SCRIPT } from "./redis-keys.ts";

/**
 * An Upstash REST client that returns raw strings (no JSON guessing: a choice
 * "1" must stay "1"). Every voter change is one script, because the client
 * pipelines concurrent commands and may reorder them.
 */
export function createUpstashClient(url: string, token: string): Redis {
  return new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
}

/** VoteStore on Upstash Redis over REST (the Workers runtime). */
export function createUpstashVoteStore(redis: Redis, prefix: string): VoteStore {
  const recordChoice = redis.createScript<number>(RECORD_CHOICE_SCRIPT);
  return {
    async recordChoice(poll, voter, choice) {
      return Number(await recordChoice.exec([ballotKey(prefix, poll, voter)], [choice]));
    },
    async currentChoice(poll, voter) {
      return await redis.hget<string>(ballotKey(prefix, poll, voter), "choice");
    },
    async ping() {
      await redis.ping();
    },
  };
}

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
