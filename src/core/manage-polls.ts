import { addressKey } from "../domain/addresses.ts";
import type { BallotRow } from "../domain/csv.ts";
import { checkPollDraft, isPollId, type Poll, type PollStatus, pollFromDraft } from "../domain/polls.ts";
import type { PollLookup } from "./poll-lookup.ts";
import type { PollArchive, PollStore, Randomness, RateLimiter } from "./ports.ts";

/** POLL_CREATE_RATE_LIMIT counts the polls a client creates per hour. */
export const POLL_CREATE_WINDOW_MS = 3_600_000;

/** What creating and managing polls needs. */
export interface PollDeps {
  archive: PollArchive;
  store: PollStore;
  /** This process's remembered polls: forgotten after a change here, so this process sees it at once. */
  lookup: PollLookup;
  random: Randomness;
  /** Polls per client per hour; absent when POLL_CREATE_RATE_LIMIT is 0. */
  createLimiter?: RateLimiter | undefined;
}

export type CreatePollOutcome =
  | { ok: true; poll: Poll; manageToken: string }
  | { ok: false; reason: "invalid"; field: "question" | "options"; error: string }
  | { ok: false; reason: "rate-limited"; retryAfter: number };

/** The SHA-256 of a manage token, hex: only this is stored. A token carries 256 random bits, so no slow hash is needed. */
async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/**
 * Creates a poll: checks the draft, counts the client against the hourly
 * limit, writes PostgreSQL first, then the vote store. The manage token is
 * returned once and kept only as a hash.
 */
export async function createPoll(
  deps: PollDeps,
  input: { question: unknown; options: unknown; client: string | undefined },
): Promise<CreatePollOutcome> {
  const check = checkPollDraft(input.question, input.options);
  if (!check.ok) return { ok: false, reason: "invalid", field: check.field, error: check.error };
  if (deps.createLimiter) {
    // Counted like votes: an IPv6 client by its /64, the block one subscriber gets.
    const verdict = await deps.createLimiter.take(addressKey(input.client));
    if (!verdict.allowed) return { ok: false, reason: "rate-limited", retryAfter: verdict.retryAfter };
  }
  const poll = pollFromDraft(deps.random.pollId(), check.draft);
  const manageToken = deps.random.manageToken();
  await deps.archive.createPoll(poll, await hashToken(manageToken));
  await deps.store.writePoll(poll);
  return { ok: true, poll, manageToken };
}

/** Why a manage request was refused. */
export type Refused = { ok: false; reason: "unknown-poll" | "no-token" | "wrong-token" };

export type ManageOutcome = { ok: true; poll: Poll } | Refused;

/** Checks a manage token against the poll's stored hash (the default poll has none: every token is wrong). */
export async function authorizeManager(
  deps: PollDeps,
  pollId: unknown,
  token: string | undefined,
): Promise<ManageOutcome> {
  if (!isPollId(pollId)) return { ok: false, reason: "unknown-poll" };
  const [poll, stored] = await Promise.all([deps.archive.readPoll(pollId), deps.archive.readManageTokenHash(pollId)]);
  if (!poll || stored === undefined) return { ok: false, reason: "unknown-poll" };
  if (!token) return { ok: false, reason: "no-token" };
  if (stored === null || stored !== (await hashToken(token))) return { ok: false, reason: "wrong-token" };
  return { ok: true, poll };
}

/**
 * Closes or reopens a poll: PostgreSQL first (the consumer refuses a closed
 * poll's ballots from then on), then the vote store, which every web process
 * reads within about a second.
 */
export async function setPollStatus(
  deps: PollDeps,
  pollId: unknown,
  token: string | undefined,
  status: PollStatus,
): Promise<ManageOutcome> {
  const allowed = await authorizeManager(deps, pollId, token);
  if (!allowed.ok) return allowed;
  const poll = await deps.archive.setStatus(allowed.poll.id, status);
  if (!poll) return { ok: false, reason: "unknown-poll" };
  await deps.store.writePoll(poll);
  deps.lookup.forget(poll.id);
  return { ok: true, poll };
}

/** Every voter's current ballot, for the poll's owner only. */
export async function exportBallots(
  deps: PollDeps,
  pollId: unknown,
  token: string | undefined,
): Promise<{ ok: true; poll: Poll; rows: AsyncIterable<BallotRow[]> } | Refused> {
  const allowed = await authorizeManager(deps, pollId, token);
  if (!allowed.ok) return allowed;
  return { ...allowed, rows: deps.archive.readBallots(allowed.poll.id) };
}
