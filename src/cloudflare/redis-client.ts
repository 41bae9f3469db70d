import { Redis } from "@upstash/redis/cloudflare";
import { VotingUnavailableError } from "../core/ports.ts";

/**
 * An Upstash REST client that returns raw strings (no JSON guessing: a choice
 * "1" must stay "1"). Every voter change is one script, because the client
 * pipelines concurrent commands and may reorder them.
 */
export function createRedisClient(url: string, token: string): Redis {
  return new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
}

/**
 * Upstash runs a script without this flag under a global lock, so every vote
 * would serialize the whole database; with it, only the keys the script
 * declares are locked. (Stock Redis rejects the flag: the local bridge strips it.)
 */
export const UPSTASH_SCRIPT_FLAGS = "#!lua flags=allow-key-locking\n";

/**
 * A database that is full (OOM under maxmemory, Upstash's data size) or out
 * of requests for the day refuses the script before it writes anything: the
 * vote is refused with a 503 and Retry-After, never a 500.
 */
export function asVotingUnavailable(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (/\bOOM\b|max .*(size|limit).*exceeded/i.test(message)) {
    throw new VotingUnavailableError("Upstash refused the write (full or over its limits)", 30, { cause: error });
  }
  throw error;
}
