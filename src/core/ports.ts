import type { Ballot, BallotRefusal } from "../domain/ballots.ts";
import type { BallotRow } from "../domain/csv.ts";
import type { Poll, PollStatus } from "../domain/polls.ts";
import type { TallyCounts } from "../domain/tallies.ts";

/** Where each voter's current ballot can be read back (Redis, Upstash on Workers). */
export interface VoteStore {
  /** The options of the voter's current ballot, or null if they haven't voted in this poll. */
  currentChoices(poll: string, voter: string): Promise<readonly string[] | null>;
  ping(): Promise<void>;
}

/** The queue between the web tier and the consumer (a Cloudflare Queue; on Node the stream inside the ballot box). */
export interface VotePublisher {
  publish(ballot: Ballot): Promise<void>;
}

/** The limits a vote is counted against, in the same atomic step as the vote; 0 turns one off. */
export interface VoteLimits {
  /** The client address's key (IPv6 by /64). */
  address: string;
  perAddress: number;
  perVoter: number;
  windowMs: number;
}

/** A vote to record: the voter's choices in a poll, and what the store must check as it records them. */
export interface CastRequest {
  poll: string;
  voter: string;
  /** One option, or a set on a multi-select poll; checked against the poll already. */
  choices: readonly string[];
  castAt: string;
  /** The poll's revision as the caller saw it (the store refuses an older one); undefined: not checked (the default poll). */
  revision: number | undefined;
  /** The poll's opensAt and closesAt in microseconds, the store's clock's unit; 0 for none. */
  opensAtMicros: number;
  closesAtMicros: number;
  /** With protection "address": the client address's key, which only one voter of the poll may vote from. */
  exclusiveAddress?: string | undefined;
  /** With protection "challenge": the solved challenge, remembered `ttlMs` so it is used once. */
  challenge?: { id: string; ttlMs: number } | undefined;
}

/**
 * A vote recorded and queued, or why nothing was written: a limit (with the
 * seconds to wait), a revision the store had moved past, the store's clock
 * outside opensAt-closesAt, the client address held by another voter, a
 * challenge used before.
 */
export type CastResult =
  | { ok: true; ballot: Ballot }
  | { ok: false; reason: "limited"; retryAfter: number }
  | { ok: false; reason: "stale" | "not-open" | "closed" | "address-taken" | "replayed" };

/**
 * Casting a vote: count it against the limits, record the choice with the
 * next version, then queue the ballot. On Node all of it is one Redis
 * script, so a recorded choice is never missing from the queue; on Workers
 * it is one Upstash script followed by a queue send.
 */
export interface BallotBox {
  /** The ballot as queued (its version is the voter's new version), or the store's refusal. */
  cast(vote: CastRequest, limits: VoteLimits): Promise<CastResult>;
}

/**
 * Proof-of-work challenges for polls with protection "challenge" (ALTCHA's
 * open format): a client fetches one, solves it, and sends the solution
 * with its vote. The vote store then remembers the challenge until it
 * expires, so each is used once.
 */
export interface Challenges {
  /** A new challenge for a vote in `poll`, as the client (ALTCHA's widget) reads it. */
  create(poll: string): Promise<unknown>;
  /** A solution for `poll`, checked: genuine, solved, not expired; its id and how long it stays valid. */
  verify(solution: unknown, poll: string): Promise<{ ok: true; id: string; ttlMs: number } | { ok: false }>;
}

/** Error raised by an archive for a write that will fail the same way however often it's retried. */
export class PermanentArchiveError extends Error {
  override name = "PermanentArchiveError";
}

/** The durable record of votes and the tallies derived from them (PostgreSQL). */
export interface VoteArchive {
  /**
   * Applies ballots in one transaction: keeps the highest version per voter
   * and moves the tallies by the difference. Idempotent and order-free.
   * Ballots of a closed poll are not applied: their positions come back with
   * the refusal, so a closed poll's counts are final. Throws
   * PermanentArchiveError when the data itself is refused.
   */
  applyBallots(ballots: readonly Ballot[]): Promise<Map<number, BallotRefusal>>;
  readTallies(poll: string): Promise<TallyCounts>;
  ping(): Promise<void>;
}

/** Reads a poll's counts; the runtime decides how they are cached. */
export type TallyReader = (poll: string) => Promise<TallyCounts>;

/** What dates ballots (a fixed clock in tests). */
export interface Clock {
  now(): Date;
}

/** One JSON line per event that matters. */
export interface Logger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Observes finished HTTP requests (Prometheus on Node; nothing on Workers). */
export interface RequestObserver {
  observe(request: { method: string; route: string; status: number; seconds: number }): void;
}

/** Per-client throttle (votes per minute, polls per hour); `retryAfter` is in seconds. */
export interface RateLimiter {
  take(key: string): Promise<{ allowed: true } | { allowed: false; retryAfter: number }>;
}

/**
 * A request that can't be served right now, through no fault of the client:
 * the vote store is full, over its request limits or not answering, or the
 * queue refused the ballot. Nothing was counted; the client may try again
 * after `retryAfterSeconds` (HTTP 503).
 */
export class UnavailableError extends Error {
  override name = "UnavailableError";
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 5, options?: ErrorOptions) {
    super(message, options);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** A client over a limit this process keeps itself (unknown polls asked for): HTTP 429 with Retry-After. */
export class TooManyRequestsError extends Error {
  override name = "TooManyRequestsError";
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(message);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Results that can't be read and were never read before (the database is away since start-up): HTTP 503. */
export class ResultsUnavailableError extends Error {
  override name = "ResultsUnavailableError";
}

/**
 * The vote path's copy of each poll (Redis, Upstash on Workers): read on
 * every vote, never PostgreSQL. It keeps with each poll its voters and their
 * addresses, so a reset or a deletion takes them all at once.
 */
export interface PollStore {
  readPoll(id: string): Promise<Poll | undefined>;
  writePoll(poll: Poll): Promise<void>;
  /** Writes an edited poll only if no one voted in it yet; false when someone did. */
  writeUnvoted(poll: Poll): Promise<boolean>;
  /** Writes a reset poll (its new revision) and forgets its voters and their addresses, in one step. */
  writeReset(poll: Poll): Promise<void>;
  /** Forgets the poll, its voters and their addresses. */
  deletePoll(id: string): Promise<void>;
}

/**
 * The record of polls (PostgreSQL): created and changed here first, then
 * copied to the PollStore. Each change answers the poll as it now is, or
 * undefined when there is no such poll.
 */
export interface PollArchive {
  /** Stores a new poll; its ownerTokenHash is the hash of its manage token. */
  createPoll(poll: Poll): Promise<void>;
  /** Creates or updates a poll that has no manage token (the default poll, from OPTION_A and OPTION_B). */
  savePoll(poll: Poll): Promise<void>;
  readPoll(id: string): Promise<Poll | undefined>;
  /** Sets the status. Reopening a poll past its closesAt also takes the deadline away. */
  setStatus(id: string, status: PollStatus): Promise<Poll | undefined>;
  /** Shows a hidden poll's counts to everyone from now on. */
  reveal(id: string): Promise<Poll | undefined>;
  /** Writes the edited question and options, only while no ballot is counted; "voted" when one is. */
  editPoll(poll: Poll): Promise<Poll | "voted" | undefined>;
  /** Drops every ballot and count; ballots cast under an older revision are never counted after. */
  resetPoll(id: string): Promise<Poll | undefined>;
  /** Deletes the poll with its ballots and counts; false when there was none. */
  deletePoll(id: string): Promise<boolean>;
  /**
   * Every voter's current ballot in the poll, oldest first, a chunk at a
   * time from a cursor: a poll of a million voters is never held in memory.
   * Ending the iteration early releases the cursor.
   */
  readBallots(id: string): AsyncIterable<BallotRow[]>;
}

/** Where new ids and tokens come from: random, URL-safe. */
export interface Randomness {
  pollId(): string;
  manageToken(): string;
}

/** Signs and checks the voter cookie (HMAC-SHA256 with COOKIE_SECRET); `verify` gives the value only if genuine. */
export interface CookieSigner {
  sign(value: string): Promise<string>;
  verify(signed: string): Promise<string | undefined>;
}
