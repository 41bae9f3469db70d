import { type CommandParser, createClient, defineScript } from "@redis/client";
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
