import { addressKey } from "../domain/addresses.ts";
import { hasOption, type Poll } from "../domain/polls.ts";
import type { BallotBox, Clock } from "./ports.ts";

const MAX_FIELD_LENGTH = 64;
/** The vote limits count per minute. */
const VOTE_LIMIT_WINDOW_MS = 60_000;

/** What casting a vote needs: the polls, where ballots go, and optionally a throttle and a clock. */
export interface CastVoteDeps {
  /** The poll a client named (the default one when none), for that client; undefined when there is none. */
  findPoll(pollId: unknown, client: string | undefined): Promise<Poll | undefined>;
  ballotBox: BallotBox;
  /** Votes per client address (VOTE_RATE_LIMIT) and per voter (VOTER_RATE_LIMIT) per minute; 0 is off. */
  limits: { perAddress: number; perVoter: number };
  clock?: Clock | undefined;
}

export interface CastVoteInput {
  /** The poll a client named; missing or empty means the default poll. */
  poll: unknown;
  /** The option id a client sent. */
  choice: unknown;
  /** The client's address: the vote limit per address counts by it (IPv6 by /64). */
  client: string | undefined;
  /** The voter's id, asked for only once the vote is valid (it may set a cookie). */
  voter: () => Promise<string>;
}

/** Either the vote as recorded, or why nothing was written. */
export type CastVoteOutcome =
  | { ok: true; poll: Poll; choice: string; version: number }
  | { ok: false; reason: "unknown-poll" }
  | { ok: false; reason: "closed"; poll: Poll }
  | { ok: false; reason: "missing-choice"; poll: Poll }
  | { ok: false; reason: "unknown-option"; poll: Poll }
  | { ok: false; reason: "rate-limited"; poll: Poll; retryAfter: number };

/**
 * Validates a vote and records it: the choice and version in Redis (one
 * atomic step), then the ballot on the queue. Every refusal is decided
 * before anything is written.
 */
export async function castVote(deps: CastVoteDeps, input: CastVoteInput): Promise<CastVoteOutcome> {
  const poll = await deps.findPoll(input.poll, input.client);
  if (!poll) return { ok: false, reason: "unknown-poll" };
  if (poll.status === "closed") return { ok: false, reason: "closed", poll };
  const { choice } = input;
  if (choice === undefined || choice === null || choice === "") return { ok: false, reason: "missing-choice", poll };
  if (typeof choice !== "string" || choice.length > MAX_FIELD_LENGTH || !hasOption(poll, choice)) {
    return { ok: false, reason: "unknown-option", poll };
  }
  const voter = await input.voter();
  const castAt = (deps.clock?.now() ?? new Date()).toISOString();
  const result = await deps.ballotBox.cast(
    { poll: poll.id, voter, choice, castAt },
    { address: addressKey(input.client), ...deps.limits, windowMs: VOTE_LIMIT_WINDOW_MS },
  );
  if (!result.ok) return { ok: false, reason: "rate-limited", poll, retryAfter: result.retryAfter };
  return { ok: true, poll, choice, version: result.ballot.version };
}
