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

/**
 * Why a queued ballot is not counted. Each kind decides the ballot's fate in
 * the consumer (core/process-votes.ts): a closed poll's ballot is refused for
 * good; anything that can never be applied goes to the dead letters.
 */
export type BallotRefusal =
  | { kind: "malformed"; problem: string }
  | { kind: "unknown-poll"; poll: string }
  | { kind: "unknown-option"; poll: string; choice: string }
  | { kind: "poll-closed"; poll: string }
  | { kind: "database-refused"; problem: string };

/** A refusal as one line of text, for logs and the dead letters. */
export function describeRefusal(refusal: BallotRefusal): string {
  switch (refusal.kind) {
    case "malformed":
      return `malformed: ${refusal.problem}`;
    case "unknown-poll":
      return `unknown poll ${JSON.stringify(refusal.poll)}`;
    case "unknown-option":
      return `poll ${refusal.poll} has no option ${JSON.stringify(refusal.choice)}`;
    case "poll-closed":
      return `poll ${refusal.poll} is closed: its counts are final`;
    case "database-refused":
      return `refused by the database: ${refusal.problem}`;
  }
}

export type BallotCheck = { ok: true; ballot: Ballot } | { ok: false; problem: string };

/**
 * Checks the shape of a queued message: a ballot has a poll id, a voter id,
 * a choice, a version and a time. Whether the poll exists and has that
 * option is for the consumer to decide (core/process-votes.ts).
 */
export function parseBallot(message: unknown): BallotCheck {
  if (typeof message === "string") {
    try {
      message = JSON.parse(message);
    } catch {
      return { ok: false, problem: "not JSON" };
    }
  }
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    return { ok: false, problem: "not an object" };
  }
  const { poll, voter, choice, version, castAt } = message as Record<string, unknown>;
  if (typeof poll !== "string" || poll.length === 0 || poll.length > MAX_ID_LENGTH)
    return { ok: false, problem: "bad poll" };
  if (!isVoterId(voter)) return { ok: false, problem: "bad voter" };
  if (typeof choice !== "string" || choice.length === 0 || choice.length > MAX_ID_LENGTH) {
    return { ok: false, problem: "bad choice" };
  }
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    return { ok: false, problem: "bad version" };
  }
  if (typeof castAt !== "string" || Number.isNaN(Date.parse(castAt))) return { ok: false, problem: "bad castAt" };
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
