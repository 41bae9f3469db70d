import { Redis } from "@upstash/redis/cloudflare";
import type { VoteLimits, VoteStore } from "../core/ports.ts";
import { ballotKey, voteLimitKeys } from "../redis/keys.ts";
import { RECORD_CHOICE_SCRIPT } from "../redis/scripts.ts";

/**
 * An Upstash REST client that returns raw strings (no JSON guessing: a choice
 * "1" must stay "1"). Every voter change is one script, because the client
 * pipelines concurrent commands and may reorder them.
 */
export function createUpstashClient(url: string, token: string): Redis {
  return new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
}

/**
 * Upstash runs a script without this flag under a global lock, so every vote
 * would serialize the whole database; with it, only the keys the script
 * declares are locked. (Stock Redis rejects the flag: the local bridge strips it.)
 */
export const UPSTASH_SCRIPT_FLAGS = "#!lua flags=allow-key-locking\n";

/** Counts a vote against its limits and records the choice: the new version, or the limit's refusal. */
export type ChoiceRecorder = (
  vote: { poll: string; voter: string; choice: string },
  limits: VoteLimits,
) => Promise<{ ok: true; version: number } | { ok: false; retryAfter: number }>;

/** The first step of casting on Workers, one Upstash request: limits, choice and version (the queue send follows). */
export function createUpstashChoiceRecorder(redis: Redis, prefix: string, ttlSeconds: number): ChoiceRecorder {
  const recordChoice = redis.createScript<number>(`${UPSTASH_SCRIPT_FLAGS}${RECORD_CHOICE_SCRIPT}`);
  const ttl = String(ttlSeconds);
  return async ({ poll, voter, choice }, limits) => {
    const windows = voteLimitKeys(prefix, limits.address, voter, limits.windowMs);
    const reply = Number(
      await recordChoice.exec(
        [ballotKey(prefix, poll, voter), windows.address, windows.voter],
        [choice, ttl, String(limits.perAddress), String(limits.perVoter), String(limits.windowMs)],
      ),
    );
    return reply < 0 ? { ok: false, retryAfter: Math.max(1, Math.ceil(-reply / 1000)) } : { ok: true, version: reply };
  };
}

/** VoteStore on Upstash Redis over REST (the Workers runtime). */
export function createUpstashVoteStore(redis: Redis, prefix: string): VoteStore {
  return {
    async currentChoice(poll, voter) {
      return await redis.hget<string>(ballotKey(prefix, poll, voter), "choice");
    },
    async ping() {
      await redis.ping();
    },
  };
}
