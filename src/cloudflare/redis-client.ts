import { Redis } from "@upstash/redis/cloudflare";
import { UnavailableError } from "../core/ports.ts";

/**
 * An Upstash REST client that returns raw strings (no JSON guessing: a choice
 * "1" must stay "1"). Every voter change is one script, because the client
 * pipelines concurrent commands and may reorder them.
 */
export function createRedisClient(url: string, token: string): Redis {
  const redis = new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
  // Every command, whichever adapter sends it: Upstash's refusals become a 503, never a 500.
  redis.use(async (request, next) => {
    let reply: Awaited<ReturnType<typeof next>>;
    try {
      reply = await next(request);
    } catch (error) {
      throw asUnavailable(error);
    }
    // A pipeline or transaction answers per command.
    for (const entry of Array.isArray(reply) ? reply : [reply]) {
      const refused = (entry as { error?: unknown } | undefined)?.error;
      if (typeof refused !== "string") continue;
      const unavailable = asUnavailable(new Error(refused));
      if (unavailable instanceof UnavailableError) throw unavailable;
    }
    return reply;
  });
  return redis;
}

/**
 * Upstash runs a script without this flag under a global lock, so every vote
 * would serialize the whole database; with it, only the keys the script
 * declares are locked. (Stock Redis rejects the flag: the local bridge strips it.)
 */
export const UPSTASH_SCRIPT_FLAGS = "#!lua flags=allow-key-locking\n";

/**
 * Upstash's own refusals, each documented in its troubleshooting pages
 * (upstash.com/docs/redis/troubleshooting): the database is full (writes
 * refused, reads go on), over its monthly or daily request count, or over its
 * connections; and OOM from a Redis under maxmemory (the local bridge). None is
 * the client's fault and none is permanent: the request is refused with 503
 * and Retry-After, and nothing was written.
 */
const REFUSALS: readonly { pattern: RegExp; retryAfterSeconds: number; why: string }[] = [
  { pattern: /\bERR DB capacity quota exceeded\b/, retryAfterSeconds: 60, why: "the vote store is full" },
  {
    pattern: /\bERR max (daily )?requests? limit exceeded\b/,
    retryAfterSeconds: 60,
    why: "the vote store is over its request limit",
  },
  {
    pattern: /\bERR max concurrent connections exceeded\b/,
    retryAfterSeconds: 5,
    why: "the vote store has too many connections",
  },
  { pattern: /\bOOM\b/, retryAfterSeconds: 5, why: "the vote store is full" },
];

/** The UnavailableError an Upstash refusal stands for, or the error itself when it is something else. */
function asUnavailable(error: unknown): unknown {
  if (error instanceof UnavailableError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const refusal = REFUSALS.find(({ pattern }) => pattern.test(message));
  return refusal ? new UnavailableError(refusal.why, refusal.retryAfterSeconds, { cause: error }) : error;
}
