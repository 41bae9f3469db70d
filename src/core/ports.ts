import type { Ballot, BallotRefusal } from "../domain/ballots.ts";
import type { BallotRow } from "../domain/csv.ts";
import type { Poll, PollStatus } from "../domain/polls.ts";
import type { TallyCounts } from "../domain/tallies.ts";

/** Where each voter's current choice can be read back (Redis, Upstash on Workers). */
export interface VoteStore {
  /** The voter's current choice, or null if they haven't voted in this poll. */
  currentChoice(poll: string, voter: string): Promise<string | null>;
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

/** A vote recorded and queued, or refused by a limit (nothing written) with the seconds to wait. */
export type CastResult = { ok: true; ballot: Ballot } | { ok: false; retryAfter: number };

/**
 * Casting a vote: count it against the limits, record the choice with the
 * next version, then queue the ballot. On Node all of it is one Redis
 * script, so a recorded choice is never missing from the queue; on Workers
 * it is one Upstash script followed by a queue send.
 */
export interface BallotBox {
  /** The ballot as queued (its version is the voter's new version), or the limit's refusal. */
  cast(vote: { poll: string; voter: string; choice: string; castAt: string }, limits: VoteLimits): Promise<CastResult>;
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

/** The vote path's copy of each poll (Redis, Upstash on Workers): read on every vote, never PostgreSQL. */
export interface PollStore {
  readPoll(id: string): Promise<Poll | undefined>;
  writePoll(poll: Poll): Promise<void>;
}

/** The record of polls (PostgreSQL): created, closed and reopened here first, then copied to the PollStore. */
export interface PollArchive {
  /** Stores a new poll with the hash of its manage token. */
  createPoll(poll: Poll, manageTokenHash: string): Promise<void>;
  /** Creates or updates a poll that has no manage token (the default poll, from OPTION_A and OPTION_B). */
  savePoll(poll: Poll): Promise<void>;
  readPoll(id: string): Promise<Poll | undefined>;
  /** The hash of the poll's manage token; null when it has none, undefined when there is no such poll. */
  readManageTokenHash(id: string): Promise<string | null | undefined>;
  /** Sets the status; returns the poll as it now is, or undefined when there is no such poll. */
  setStatus(id: string, status: PollStatus): Promise<Poll | undefined>;
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
