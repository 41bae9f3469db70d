import { createHash } from "node:crypto";
import { createClient } from "@redis/client";
import type { RateLimiter, VoteStore } from "../ports.ts";
import { ballotKey, RATE_WINDOW_MS, RATE_WINDOW_SCRIPT, RECORD_CHOICE_SCRIPT, rateKey } from "./redis-keys.ts";

export type RedisClient = ReturnType<typeof createRedisClient>;

/**
 * A node-redis client speaking RESP2 (replies shaped like Upstash's). The
 * first connection must succeed or `connect()` rejects; after that it
 * reconnects with backoff for as long as the process runs.
 */
export function createRedisClient(url: string, onError: (error: Error) => void = () => {}) {
  let connectedOnce = false;
  const client = createClient({
    url,
    RESP: 2,
    socket: {
      connectTimeout: 3_000,
      reconnectStrategy: (retries, cause) => (connectedOnce ? Math.min(50 * 2 ** retries, 2_000) : cause),
    },
  });
  client.on("ready", () => {
    connectedOnce = true;
  });
  // Failures before the first connection reject connect(); report only later ones.
  client.on("error", (error: Error) => {
    if (connectedOnce) onError(error);
  });
  return client;
}

/** Runs a Lua script by its SHA1, loading it on first use (NOSCRIPT). */
export async function runScript(client: RedisClient, script: string, keys: string[], args: string[]): Promise<unknown> {
  const sha = sha1(script);
  try {
    return await client.sendCommand(["EVALSHA", sha, String(keys.length), ...keys, ...args]);
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) throw error;
    return await client.sendCommand(["EVAL", script, String(keys.length), ...keys, ...args]);
  }
}

const sha1Cache = new Map<string, string>();
function sha1(script: string): string {
  let sha = sha1Cache.get(script);
  if (!sha) {
    sha = createHash("sha1").update(script).digest("hex");
    sha1Cache.set(script, sha);
  }
  return sha;
}

/** VoteStore on Redis over TCP (node-redis). */
export function createRedisVoteStore(client: RedisClient, prefix: string): VoteStore {
  return {
    async recordChoice(poll, voter, choice) {
      return Number(await runScript(client, RECORD_CHOICE_SCRIPT, [ballotKey(prefix, poll, voter)], [choice]));
    },
    async currentChoice(poll, voter) {
      return (await client.hGet(ballotKey(prefix, poll, voter), "choice")) ?? null;
    },
    async ping() {
      await client.ping();
    },
  };
}

/** Fixed-window per-client vote limit on Redis over TCP, shared by every web replica. */
export function createRedisRateLimiter(client: RedisClient, prefix: string, perMinute: number): RateLimiter {
  return {
    async take(key) {
      const window = Math.floor(Date.now() / RATE_WINDOW_MS);
      const reply = (await runScript(client, RATE_WINDOW_SCRIPT, [rateKey(prefix, key, window)], [
        String(RATE_WINDOW_MS),
      ])) as [number, number];
      const [count, ttl] = reply;
      if (count <= perMinute) return { allowed: true };
      return { allowed: false, retryAfter: Math.max(1, Math.ceil(ttl / 1000)) };
    },
  };
}
