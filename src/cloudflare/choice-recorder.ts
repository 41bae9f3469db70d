import type { Redis } from "@upstash/redis/cloudflare";
import type { CastRequest, CastResult, VoteLimits } from "../core/ports.ts";
import { addressesKey, votersKey } from "../redis/keys.ts";
import { RECORD_AND_REMEMBER_SCRIPT, UNDO_CHOICE_SCRIPT } from "../redis/scripts.ts";
import { scriptOutcome, voteScriptArgs } from "../redis/vote-args.ts";
import { UPSTASH_SCRIPT_FLAGS } from "./redis-client.ts";

/** A choice as recorded: the voter's new version, and the state it replaced (null for a first vote or expired state). */
export interface RecordedChoice {
  ok: true;
  version: number;
  /** The voter's field it replaced, and the separate version field of the older two-field form (src/redis/scripts.ts). */
  previous: { field: string; versionField: string | null } | null;
  /** The client address the vote took for its voter (protection "address"), to give back on an undo. */
  tookAddress: string | undefined;
}

/**
 * The first step of casting on Workers, and its undo. `record` checks the
 * vote and stores the choice with the next version, in one Upstash request;
 * `undo` puts back what it replaced, for a ballot the queue refused.
 */
export interface ChoiceRecorder {
  record(vote: CastRequest, limits: VoteLimits): Promise<RecordedChoice | Exclude<CastResult, { ok: true }>>;
  /** Restores the previous state only while the voter's version is still `recorded.version`; false if a newer vote came since. */
  undo(vote: { poll: string; voter: string }, recorded: RecordedChoice): Promise<boolean>;
}

/** ChoiceRecorder on Upstash: each step is one atomic script. */
export function createChoiceRecorder(redis: Redis, prefix: string, ttlSeconds: number): ChoiceRecorder {
  const recordChoice = redis.createScript<[number, number, string | null, string | null, number]>(
    UPSTASH_SCRIPT_FLAGS + RECORD_AND_REMEMBER_SCRIPT,
  );
  const undoChoice = redis.createScript<number>(UPSTASH_SCRIPT_FLAGS + UNDO_CHOICE_SCRIPT);
  return {
    async record(vote, limits) {
      const { keys, args } = voteScriptArgs(prefix, vote, limits, ttlSeconds);
      const [code, value, previousField, previousVersionField, tookAddress] = await recordChoice.exec(keys, args);
      const outcome = scriptOutcome(Number(code), Number(value));
      if (!outcome.ok) return outcome;
      const previous =
        previousField !== null
          ? {
              field: String(previousField),
              versionField: previousVersionField === null ? null : String(previousVersionField),
            }
          : null;
      return {
        ok: true,
        version: outcome.version,
        previous,
        tookAddress: Number(tookAddress) === 1 ? vote.exclusiveAddress : undefined,
      };
    },
    async undo({ poll, voter }, recorded) {
      const restored = await undoChoice.exec(
        [votersKey(prefix, poll), addressesKey(prefix, poll)],
        [
          voter,
          String(recorded.version),
          recorded.previous?.field ?? "",
          recorded.previous?.versionField ?? "",
          recorded.tookAddress ?? "",
        ],
      );
      return Number(restored) === 1;
    },
  };
}
