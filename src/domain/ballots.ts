/**
 * One voter's ballot at one moment: the options chosen (one, or a set on a
 * multi-select poll). `version` grows each time the voter votes, so the
 * highest version is the voter's current ballot whatever order the queue
 * delivers ballots in. `revision` is the poll's revision it was cast under
 * (0 for a poll never edited or reset): a reset drops older ones.
 */
export interface Ballot {
  poll: string;
  voter: string;
  choices: readonly string[];
  version: number;
  castAt: string;
  revision: number;
}

/**
 * A ballot as a queue message: a single choice as `choice` (the first step's
 * format, still what most ballots are), a set as `choices`, the revision as
 * `rev` when there is one. parseBallot reads both shapes.
 */
export function ballotMessage(ballot: Ballot): Record<string, unknown> {
  const { poll, voter, choices, version, castAt, revision } = ballot;
  const selection = choices.length === 1 ? { choice: choices[0] } : { choices };
  return { poll, voter, ...selection, version, castAt, ...(revision > 0 ? { rev: revision } : {}) };
}

const VOTER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_ID_LENGTH = 64;
/** Most options a ballot can hold: a poll has at most ten. */
const MAX_CHOICES = 10;

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
  | { kind: "after-close"; poll: string }
  | { kind: "before-open"; poll: string }
  | { kind: "before-reset"; poll: string }
  | { kind: "poll-deleted"; poll: string }
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
    case "after-close":
      return `poll ${refusal.poll} had closed (closesAt) when the vote store took this ballot`;
    case "before-open":
      return `poll ${refusal.poll} was not open yet when the vote store took this ballot`;
    case "before-reset":
      return `poll ${refusal.poll} was reset after this ballot was cast`;
    case "poll-deleted":
      return `poll ${refusal.poll} was deleted`;
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
  const { poll, voter, choice, choices, version, castAt, rev } = message as Record<string, unknown>;
  if (typeof poll !== "string" || poll.length === 0 || poll.length > MAX_ID_LENGTH)
    return { ok: false, problem: "bad poll" };
  if (!isVoterId(voter)) return { ok: false, problem: "bad voter" };
  const selection = choices === undefined ? [choice] : choices;
  if (
    !Array.isArray(selection) ||
    selection.length === 0 ||
    selection.length > MAX_CHOICES ||
    !selection.every((one) => typeof one === "string" && one.length > 0 && one.length <= MAX_ID_LENGTH)
  ) {
    return { ok: false, problem: "bad choice" };
  }
  if (typeof version !== "number" || !Number.isSafeInteger(version) || version < 1) {
    return { ok: false, problem: "bad version" };
  }
  if (typeof castAt !== "string" || Number.isNaN(Date.parse(castAt))) return { ok: false, problem: "bad castAt" };
  if (rev !== undefined && (typeof rev !== "number" || !Number.isSafeInteger(rev) || rev < 0)) {
    return { ok: false, problem: "bad rev" };
  }
  return {
    ok: true,
    ballot: {
      poll,
      voter,
      choices: selection as string[],
      version,
      castAt,
      revision: (rev as number | undefined) ?? 0,
    },
  };
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
