import { hasOption, type PollCatalog } from "./polls.ts";

/**
 * One voter's choice at one moment. `version` grows by one each time the
 * voter votes, so the highest version is the voter's current choice whatever
 * order the queue delivers ballots in.
 */
export interface Ballot {
  poll: string;
  voter: string;
  choice: string;
  version: number;
  castAt: string;
}

const VOTER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ID_LENGTH = 64;

export function isVoterId(value: unknown): value is string {
  return typeof value === "string" && VOTER_ID.test(value);
}

export type BallotCheck = { ok: true; ballot: Ballot } | { ok: false; reason: string };

/** Checks a queued message against the poll catalog; anything else is malformed. */
export function parseBallot(message: unknown, polls: Pick<PollCatalog, "find">): BallotCheck {
  if (typeof message === "string") {
    try {
      message = JSON.parse(message);
    } catch {
      return { ok: false, reason: "not JSON" };
    }
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return { ok: false, reason: "not an object" };
  }
  const { poll, voter, choice, version, castAt } = message as Record<string, unknown>;
  if (typeof poll !== "string" || poll.length > MAX_ID_LENGTH) return { ok: false, reason: "bad poll" };
  const known = polls.find(poll);
  if (!known) return { ok: false, reason: `unknown poll ${JSON.stringify(poll)}` };
  if (!isVoterId(voter)) return { ok: false, reason: "bad voter" };
  if (typeof choice !== "string" || !hasOption(known, choice)) return { ok: false, reason: "unknown choice" };
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    return { ok: false, reason: "bad version" };
  }
  if (typeof castAt !== "string" || Number.isNaN(Date.parse(castAt))) return { ok: false, reason: "bad castAt" };
  return { ok: true, ballot: { poll, voter, choice, version, castAt } };
}

/** Keeps only the newest ballot per (poll, voter); the order of the input doesn't matter. */
export function latestBallots(ballots: readonly Ballot[]): Ballot[] {
  const newest = new Map<string, Ballot>();
  for (const ballot of ballots) {
    const key = `${ballot.poll}\u0000${ballot.voter}`;
    const seen = newest.get(key);
    if (!seen || seen.version < ballot.version) newest.set(key, ballot);
  }
  return [...newest.values()];
}
