import { type CommandParser, createClient, defineScript } from "@redis/client";
import { redactUrl } from "../core/config.ts";
import { describeError } from "../core/logger.ts";
import { type Logger, UnavailableError } from "../core/ports.ts";
import { CAST_BALLOT_SCRIPT, RATE_WINDOW_SCRIPT } from "../redis/scripts.ts";
import type { NodeConfig } from "./config.ts";
import { exitWith, reasonOf } from "./exit.ts";

/**
 * The vote scripts as client commands: node-redis sends them by SHA1
 * (EVALSHA) and falls back to EVAL when Redis has forgotten them (NOSCRIPT).
 */
const scripts = {
  castBallot: defineScript({
    SCRIPT: CAST_BALLOT_SCRIPT,
    NUMBER_OF_KEYS: 7,
    parseCommand(parser: CommandParser, keys: string[], args: string[]) {
      for (const key of keys) parser.pushKey(key);
      parser.push(...args);
    },
    transformReply: (reply: unknown) => reply as [code: number, value: number],
  }),
  rateWindow: defineScript({
    SCRIPT: RATE_WINDOW_SCRIPT,
    NUMBER_OF_KEYS: 1,
    parseCommand(parser: CommandParser, key: string, windowMs: number) {
      parser.pushKey(key);
      parser.push(String(windowMs));
    },
    transformReply: (reply: unknown) => reply as [count: number, ttlMs: number],
  }),
};

export type RedisClient = ReturnType<typeof createRedisClient>;

export interface RedisClientOptions {
  /** node-redis's timeout per command; 0 for none (the caller bounds its waits with answered()). */
  commandTimeoutMs?: number;
  /** Commands that may wait at once; past it node-redis refuses a command at once. None by default. */
  queueLimit?: number;
}

/** How long a request waits for Redis before it gives up (node-redis's own default per command). */
export const REDIS_DEADLINE_MS = 5_000;
/**
 * Commands the web's client lets wait for Redis at once. A busy process has
 * about as many as it has requests in flight (hundreds); past this, while
 * Redis is away or stalled, a request is refused at once (503) instead of
 * holding its memory until the deadline.
 */
export const WEB_REDIS_QUEUE_LIMIT = 10_000;
/** What node-redis says when it refuses a command because its queue is full. */
const QUEUE_FULL = "The queue is full";

/**
 * A node-redis client speaking RESP2 (replies shaped like Upstash's). The
 * first connection must succeed or `connect()` rejects; after that it
 * reconnects with backoff for as long as the process runs.
 *
 * node-redis gives every command a timeout of its own, an
 * AbortSignal.timeout(): on the vote path that was a fifth of the web
 * process's CPU when profiled (docs/capacity.md). The web passes `commandTimeoutMs: 0` and its
 * adapters bound each wait with answered() instead, one plain timer.
 */
export function createRedisClient(
  url: string,
  onError: (error: Error) => void = () => {},
  options: RedisClientOptions = {},
) {
  let connectedOnce = false;
  const client = createClient({
    url,
    RESP: 2,
    commandOptions: { timeout: options.commandTimeoutMs ?? REDIS_DEADLINE_MS },
    ...(options.queueLimit ? { commandsQueueMaxLength: options.queueLimit } : {}),
    scripts,
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

/**
 * The reply, or a UnavailableError (HTTP 503 with Retry-After) once
 * `ms` have passed without one: a Redis that stopped answering (paused,
 * partitioned, swapping) can't hold requests open without bound. The command
 * itself may still run in Redis later, as with node-redis's own timeout. A
 * command the client refused because its queue is full is unavailable too.
 */
export function answered<T>(reply: Promise<T>, ms = REDIS_DEADLINE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new UnavailableError(`Redis did not answer within ${ms} ms`)), ms);
    reply.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        const full = error instanceof Error && error.message === QUEUE_FULL;
        reject(full ? new UnavailableError("Too many commands are waiting for Redis", 5, { cause: error }) : error);
      },
    );
  });
}

/** Connects to Redis, or exits saying where it looked and how to fix it. */
export async function connectRedis(
  config: NodeConfig,
  logger: Logger,
  name: string,
  options: RedisClientOptions = {},
): Promise<RedisClient> {
  let lastLogged = 0;
  const onError = (error: Error) => {
    // node-redis reports every failed reconnect; one line per 5 s is enough.
    if (Date.now() - lastLogged < 5_000) return;
    lastLogged = Date.now();
    logger.warn("redis.error", { client: name, ...describeError(error) });
  };
  const client = createRedisClient(config.redisUrl, onError, options);
  try {
    await client.connect();
  } catch (error) {
    exitWith(
      `Cannot reach Redis at ${redactUrl(config.redisUrl)} (${reasonOf(error)}). ` +
        "Start Redis there, or set REDIS_URL to where it runs.",
    );
  }
  return client;
}
