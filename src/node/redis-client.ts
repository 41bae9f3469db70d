import { type CommandParser, createClient, defineScript } from "@redis/client";
import { VotingUnavailableError } from "../core/ports.ts";
import { CAST_BALLOT_SCRIPT, RATE_WINDOW_SCRIPT } from "../redis/scripts.ts";

/**
 * The vote scripts as client commands: node-redis sends them by SHA1
 * (EVALSHA) and falls back to EVAL when Redis has forgotten them (NOSCRIPT).
 */
const scripts = {
  castBallot: defineScript({
    SCRIPT: CAST_BALLOT_SCRIPT,
    NUMBER_OF_KEYS: 4,
    parseCommand(
      parser: CommandParser,
      keys: [ballot: string, stream: string, addressWindow: string, voterWindow: string],
      args: [
        choice: string,
        poll: string,
        voter: string,
        castAt: string,
        ttlSeconds: string,
        perAddress: string,
        perVoter: string,
        windowMs: string,
      ],
    ) {
      for (const key of keys) parser.pushKey(key);
      parser.push(...args);
    },
    transformReply: (reply: unknown) => Number(reply),
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

/** How long a request waits for Redis before it gives up (node-redis's own default per command). */
export const REDIS_DEADLINE_MS = 5_000;

/**
 * A node-redis client speaking RESP2 (replies shaped like Upstash's). The
 * first connection must succeed or `connect()` rejects; after that it
 * reconnects with backoff for as long as the process runs.
 *
 * node-redis gives every command a timeout of its own, an
 * AbortSignal.timeout(): on the vote path that was a fifth of the web
 * process's CPU (measured). The web passes `commandTimeoutMs: 0` and its
 * adapters bound each wait with answered() instead, one plain timer.
 */
export function createRedisClient(
  url: string,
  onError: (error: Error) => void = () => {},
  options: { commandTimeoutMs?: number } = {},
) {
  let connectedOnce = false;
  const client = createClient({
    url,
    RESP: 2,
    commandOptions: { timeout: options.commandTimeoutMs ?? REDIS_DEADLINE_MS },
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
 * The reply, or a VotingUnavailableError (HTTP 503 with Retry-After) once
 * `ms` have passed without one: a Redis that stopped answering (paused,
 * partitioned, swapping) can't hold requests open without bound. The command
 * itself may still run in Redis later, as with node-redis's own timeout.
 */
export function answered<T>(reply: Promise<T>, ms = REDIS_DEADLINE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new VotingUnavailableError(`Redis did not answer within ${ms} ms`)), ms);
    reply.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
