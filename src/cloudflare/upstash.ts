import { Redis } from "@upstash/redis/cloudflare";
import { type VoteLimits, type VoteStore, VotingUnavailableError } from "../core/ports.ts";
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

/**
 * The shared record script, unchanged, run inside a function so the reply
 * also carries the state it replaced, read in the same atomic step. (A
 * refusal by the limits returns from the function before anything changed.)
 */
const RECORD_AND_REMEMBER_SCRIPT = `${UPSTASH_SCRIPT_FLAGS}local previous = redis.call('HMGET', KEYS[1], 'choice', 'version')
local function record()
${RECORD_CHOICE_SCRIPT}
end
return {record(), previous[1], previous[2]}`;

/**
 * Compare-and-restore: only while the voter's version is still the one just
 * written (ARGV[1]) does it put back the previous choice and version
 * (ARGV[2], ARGV[3]), or delete the state when there was none (ARGV[2] empty).
 */
const UNDO_CHOICE_SCRIPT = `${UPSTASH_SCRIPT_FLAGS}if redis.call('HGET', KEYS[1], 'version') ~= ARGV[1] then return 0 end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'choice', ARGV[2], 'version', ARGV[3])
end
return 1`;

/** ChoiceRecorder on Upstash: each step is one atomic script. */
/**
 * A database that is full (OOM under maxmemory, Upstash's data size) or out
 * of requests for the day refuses the script before it writes anything: the
 * vote is refused with a 503 and Retry-After, never a 500.
 */
function asVotingUnavailable(error: unknown): never {
  const message = error instanceof Error ? error.message : String(error);
  if (/\bOOM\b|max .*(size|limit).*exceeded/i.test(message)) {
    throw new VotingUnavailableError("Upstash refused the write (full or over its limits)", 30, { cause: error });
  }
  throw error;
}

export function createUpstashChoiceRecorder(redis: Redis, prefix: string, ttlSeconds: number): ChoiceRecorder {
  const recordChoice = redis.createScript<[number, string | null, string | null]>(RECORD_AND_REMEMBER_SCRIPT);
  const undoChoice = redis.createScript<number>(UNDO_CHOICE_SCRIPT);
  const ttl = String(ttlSeconds);
  return {
    async record({ poll, voter, choice }, limits) {
      const windows = voteLimitKeys(prefix, limits.address, voter, limits.windowMs);
      const [reply, previousChoice, previousVersion] = await recordChoice
        .exec(
          [ballotKey(prefix, poll, voter), windows.address, windows.voter],
          [choice, ttl, String(limits.perAddress), String(limits.perVoter), String(limits.windowMs)],
        )
        .catch(asVotingUnavailable);
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
