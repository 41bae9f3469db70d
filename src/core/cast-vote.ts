import { addressKey } from "../domain/addresses.ts";
import { DEFAULT_POLL_ID, microsOf, notYetOpen, type Poll, selectionProblem, statusAt } from "../domain/polls.ts";
import type { BallotBox, CastResult, Challenges, Clock } from "./ports.ts";

const MAX_FIELD_LENGTH = 64;
/** The vote limits count per minute. */
const VOTE_LIMIT_WINDOW_MS = 60_000;

/** What casting a vote needs: the polls, where ballots go, and optionally a throttle, a clock and challenges. */
export interface CastVoteDeps {
  /** The poll a client named (the default one when none), for that client; undefined when there is none. */
  findPoll(pollId: unknown, client: string | undefined): Promise<Poll | undefined>;
  /** Forgets what this process remembers of a poll: the store knew a newer revision. */
  forgetPoll(id: string): void;
  ballotBox: BallotBox;
  /** Votes per client address (VOTE_RATE_LIMIT) and per voter (VOTER_RATE_LIMIT) per minute; 0 is off. */
  limits: { perAddress: number; perVoter: number };
  /** Checks the proof of work of a poll with protection "challenge". */
  challenges?: Challenges | undefined;
  clock?: Clock | undefined;
}

export interface CastVoteInput {
  /** The poll a client named; missing or empty means the default poll. */
  poll: unknown;
  /** The option id a client sent, or several on a multi-select poll. */
  choice: unknown;
  /** The solved challenge (ALTCHA's payload), for a poll with protection "challenge". */
  challenge?: unknown;
  /** The client's address: the vote limit per address counts by it (IPv6 by /64), and protection "address". */
  client: string | undefined;
  /** The voter's id, asked for only once the vote is valid (it may set a cookie). */
  voter: () => Promise<string>;
}

/** Either the vote as recorded, or why nothing was written. */
export type CastVoteOutcome =
  | { ok: true; poll: Poll; choices: readonly string[]; version: number }
  | { ok: false; reason: "unknown-poll" }
  | { ok: false; reason: "not-open"; poll: Poll }
  | { ok: false; reason: "closed"; poll: Poll }
  | { ok: false; reason: "missing-choice"; poll: Poll }
  | { ok: false; reason: "unknown-option" | "repeated" | "too-few" | "too-many"; poll: Poll }
  | { ok: false; reason: "challenge-missing" | "challenge-failed" | "challenge-replayed"; poll: Poll }
  | { ok: false; reason: "address-taken"; poll: Poll }
  | { ok: false; reason: "changed"; poll: Poll }
  | { ok: false; reason: "rate-limited"; poll: Poll; retryAfter: number };

type Refusal = Exclude<CastVoteOutcome, { ok: true }>;

/** The choices a client sent, as a list: one id, or several; undefined when it sent none. */
function selectionOf(choice: unknown): unknown[] | undefined {
  if (choice === undefined || choice === null || choice === "") return undefined;
  const list = Array.isArray(choice) ? choice : [choice];
  return list.length === 0 ? undefined : list;
}

/**
 * Validates a vote and records it: the choice and version in the vote
 * store (one atomic step, which also checks the poll's revision, opening
 * hours and protection by the store's own clock), then the ballot on the
 * queue. Every refusal is decided before anything is written. A poll this
 * process remembered from before an edit or a reset is read again, once.
 */
export async function castVote(deps: CastVoteDeps, input: CastVoteInput): Promise<CastVoteOutcome> {
  const first = await castOnce(deps, input);
  if (first.ok || first.reason !== "changed") return first;
  deps.forgetPoll(first.poll.id);
  return castOnce(deps, input);
}

async function castOnce(deps: CastVoteDeps, input: CastVoteInput): Promise<CastVoteOutcome> {
  const poll = await deps.findPoll(input.poll, input.client);
  if (!poll) return { ok: false, reason: "unknown-poll" };
  const now = deps.clock?.now() ?? new Date();
  if (notYetOpen(poll, now.getTime())) return { ok: false, reason: "not-open", poll };
  if (statusAt(poll, now.getTime()) === "closed") return { ok: false, reason: "closed", poll };
  const choices = selectionOf(input.choice);
  if (!choices) return { ok: false, reason: "missing-choice", poll };
  if (!choices.every((choice) => typeof choice === "string" && choice.length <= MAX_FIELD_LENGTH)) {
    return { ok: false, reason: "unknown-option", poll };
  }
  const problem = selectionProblem(poll, choices as string[]);
  if (problem) return { ok: false, reason: problem, poll };
  let challenge: { id: string; ttlMs: number } | undefined;
  if (poll.protection === "challenge") {
    if (input.challenge === undefined || input.challenge === null || input.challenge === "") {
      return { ok: false, reason: "challenge-missing", poll };
    }
    const verified = await deps.challenges?.verify(input.challenge, poll.id);
    if (!verified?.ok) return { ok: false, reason: "challenge-failed", poll };
    challenge = { id: verified.id, ttlMs: verified.ttlMs };
  }
  const voter = await input.voter();
  const address = addressKey(input.client);
  const result = await deps.ballotBox.cast(
    {
      poll: poll.id,
      voter,
      // A set is kept in the poll's order, so the same choices are always the same ballot.
      choices: poll.options.map((option) => option.id).filter((id) => (choices as string[]).includes(id)),
      castAt: now.toISOString(),
      revision: poll.id === DEFAULT_POLL_ID ? undefined : poll.revision,
      opensAtMicros: microsOf(poll.opensAt),
      closesAtMicros: microsOf(poll.closesAt),
      exclusiveAddress: poll.protection === "address" ? address : undefined,
      challenge,
    },
    { address, ...deps.limits, windowMs: VOTE_LIMIT_WINDOW_MS },
  );
  if (result.ok) return { ok: true, poll, choices: result.ballot.choices, version: result.ballot.version };
  return refusalOf(result, poll);
}

function refusalOf(result: Exclude<CastResult, { ok: true }>, poll: Poll): Refusal {
  switch (result.reason) {
    case "limited":
      return { ok: false, reason: "rate-limited", poll, retryAfter: result.retryAfter };
    case "stale":
      return { ok: false, reason: "changed", poll };
    case "not-open":
      return { ok: false, reason: "not-open", poll };
    case "closed":
      return { ok: false, reason: "closed", poll };
    case "address-taken":
      return { ok: false, reason: "address-taken", poll };
    case "replayed":
      return { ok: false, reason: "challenge-replayed", poll };
  }
}
