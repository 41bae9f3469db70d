import type { Redis } from "@upstash/redis/cloudflare";
import type { VoteLimits } from "../core/ports.ts";
import { ballotKey, voteLimitKeys } from "../redis/keys.ts";
import { RECORD_AND_REMEMBER_SCRIPT, UNDO_CHOICE_SCRIPT } from "../redis/scripts.ts";
import { UPSTASH_SCRIPT_FLAGS } from "./redis-client.ts";

/** A choice as recorded: the voter's new version, and the state it replaced (null for a first vote or expired state). */
export interface RecordedChoice {
  ok: true;
  version: number;
  previous: { choice: string; version: string } | null;
}

/**
 * The first step of casting on Workers, and its undo. `record` counts the
 * vote against its limits and stores the choice with the next version, in
 * one Upstash request; `undo` puts back what it replaced, for a ballot the
 * queue refused.
 */
export interface ChoiceRecorder {
  record(
    vote: { poll: string; voter: string; choice: string },
    limits: VoteLimits,
  ): Promise<RecordedChoice | { ok: false; retryAfter: number }>;
  /** Restores the previous state only while the voter's version is still `recorded.version`; false if a newer vote came since. */
  undo(vote: { poll: string; voter: string }, recorded: RecordedChoice): Promise<boolean>;
}

/** ChoiceRecorder on Upstash: each step is one atomic script. */
export function createChoiceRecorder(redis: Redis, prefix: string, ttlSeconds: number): ChoiceRecorder {
  const recordChoice = redis.createScript<[number, string | null, string | null]>(
    UPSTASH_SCRIPT_FLAGS + RECORD_AND_REMEMBER_SCRIPT,
  );
  const undoChoice = redis.createScript<number>(UPSTASH_SCRIPT_FLAGS + UNDO_CHOICE_SCRIPT);
  const ttl = String(ttlSeconds);
  return {
    async record({ poll, voter, choice }, limits) {
      const windows = voteLimitKeys(prefix, limits.address, voter, limits.windowMs);
      const [reply, previousChoice, previousVersion] = await recordChoice.exec(
        [ballotKey(prefix, poll, voter), windows.address, windows.voter],
        [choice, ttl, String(limits.perAddress), String(limits.perVoter), String(limits.windowMs)],
      );
      const version = Number(reply);
      if (version < 0) return { ok: false, retryAfter: Math.max(1, Math.ceil(-version / 1000)) };
      const previous =
        previousChoice !== null && previousVersion !== null
          ? { choice: String(previousChoice), version: String(previousVersion) }
          : null;
      return { ok: true, version, previous };
    },
    async undo({ poll, voter }, recorded) {
      const restored = await undoChoice.exec(
        [ballotKey(prefix, poll, voter)],
        [String(recorded.version), recorded.previous?.choice ?? "", recorded.previous?.version ?? ""],
      );
      return Number(restored) === 1;
    },
  };
}
