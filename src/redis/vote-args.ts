import type { CastRequest, VoteLimits } from "../core/ports.ts";
import { addressesKey, challengeKey, pollHashKey, voteLimitKeys, votersKey } from "./keys.ts";
import { CAST } from "./scripts.ts";

/** The KEYS and ARGV of a vote script (src/redis/scripts.ts), for both Redis adapters. */
export function voteScriptArgs(
  prefix: string,
  vote: CastRequest,
  limits: VoteLimits,
  ttlSeconds: number,
): { keys: string[]; args: string[] } {
  const windows = voteLimitKeys(prefix, limits.address, vote.voter, limits.windowMs);
  return {
    keys: [
      votersKey(prefix, vote.poll),
      pollHashKey(prefix, vote.poll),
      windows.address,
      windows.voter,
      addressesKey(prefix, vote.poll),
      challengeKey(prefix, vote.poll, vote.challenge?.id ?? "-"),
    ],
    args: [
      vote.voter,
      vote.choices.join(","),
      String(ttlSeconds),
      String(limits.perAddress),
      String(limits.perVoter),
      String(limits.windowMs),
      vote.revision === undefined ? "" : String(vote.revision),
      String(vote.opensAtMicros),
      String(vote.closesAtMicros),
      vote.exclusiveAddress ?? "",
      String(vote.challenge?.ttlMs ?? 0),
    ],
  };
}

/** What a vote script's reply {code, value} means: the version, or why nothing was recorded. */
export type ScriptOutcome =
  | { ok: true; version: number }
  | { ok: false; reason: "limited"; retryAfter: number }
  | { ok: false; reason: "stale" | "not-open" | "closed" | "address-taken" | "replayed" };

export function scriptOutcome(code: number, value: number): ScriptOutcome {
  switch (code) {
    case CAST.recorded:
      return { ok: true, version: value };
    case CAST.limited:
      return { ok: false, reason: "limited", retryAfter: Math.max(1, Math.ceil(value / 1000)) };
    case CAST.stale:
      return { ok: false, reason: "stale" };
    case CAST.notOpen:
      return { ok: false, reason: "not-open" };
    case CAST.closed:
      return { ok: false, reason: "closed" };
    case CAST.addressTaken:
      return { ok: false, reason: "address-taken" };
    case CAST.replayed:
      return { ok: false, reason: "replayed" };
    default:
      throw new Error(`a vote script answered an unknown code ${code}`);
  }
}

/**
 * The choices in a voter's field of a poll's voters hash (`<version>
 * <choices>`, or only the choices in the older two-field form; see
 * src/redis/scripts.ts): a list, or null when the voter has none.
 */
export function heldChoices(field: string | null | undefined): string[] | null {
  if (!field) return null;
  return field.slice(field.indexOf(" ") + 1).split(",");
}

/** The version in a voter's field, as the script wrote it (16 digits); undefined in the older form, which kept it apart. */
export function heldVersion(field: string): string | undefined {
  const space = field.indexOf(" ");
  return space < 0 ? undefined : field.slice(0, space);
}
