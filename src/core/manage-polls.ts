import { addressKey } from "../domain/addresses.ts";
import type { BallotRow } from "../domain/csv.ts";
import {
  checkPollDraft,
  checkPollEdit,
  type DraftField,
  type DraftInput,
  isPollId,
  type Poll,
  type PollStatus,
  pollFromDraft,
} from "../domain/polls.ts";
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
  | { ok: false; reason: "invalid"; field: DraftField; error: string }
  | { ok: false; reason: "rate-limited"; retryAfter: number };

/** The SHA-256 of a manage token, hex: only this is stored. A token carries 256 random bits, so no slow hash is needed. */
async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Whether `token` is the poll's manage token (the default poll has none). */
export async function ownsPoll(poll: Poll, token: string | undefined): Promise<boolean> {
  return token !== undefined && poll.ownerTokenHash !== undefined && poll.ownerTokenHash === (await hashToken(token));
}

/**
 * Creates a poll: checks the draft, counts the client against the hourly
 * limit, writes PostgreSQL first, then the vote store. The manage token is
 * returned once and kept only as a hash.
 */
export async function createPoll(
  deps: PollDeps,
  input: DraftInput & { client: string | undefined },
  now: number,
): Promise<CreatePollOutcome> {
  const check = checkPollDraft(input, now);
  if (!check.ok) return { ok: false, reason: "invalid", field: check.field, error: check.error };
  if (deps.createLimiter) {
    // Counted like votes: an IPv6 client by its /64, the block one subscriber gets.
    const verdict = await deps.createLimiter.take(addressKey(input.client));
    if (!verdict.allowed) return { ok: false, reason: "rate-limited", retryAfter: verdict.retryAfter };
  }
  const manageToken = deps.random.manageToken();
  const poll = { ...pollFromDraft(deps.random.pollId(), check.draft), ownerTokenHash: await hashToken(manageToken) };
  await deps.archive.createPoll(poll);
  await deps.store.writePoll(poll);
  return { ok: true, poll, manageToken };
}

/** Why a manage request was refused. */
export type Refused = { ok: false; reason: "unknown-poll" | "no-token" | "wrong-token" };

export type ManageOutcome = { ok: true; poll: Poll } | Refused;

/** Checks a manage token against the poll's stored hash, in the record (the default poll has none: every token is wrong). */
export async function authorizeManager(
  deps: PollDeps,
  pollId: unknown,
  token: string | undefined,
): Promise<ManageOutcome> {
  if (!isPollId(pollId)) return { ok: false, reason: "unknown-poll" };
  const poll = await deps.archive.readPoll(pollId);
  if (!poll) return { ok: false, reason: "unknown-poll" };
  if (!token) return { ok: false, reason: "no-token" };
  if (!(await ownsPoll(poll, token))) return { ok: false, reason: "wrong-token" };
  return { ok: true, poll };
}

/**
 * An owner's change: authorized, written to PostgreSQL first (the record;
 * the consumer refuses ballots by what it says from then on), then to the
 * vote store, which every web process reads within about a second; this
 * process forgets its copy at once.
 */
async function change(
  deps: PollDeps,
  pollId: unknown,
  token: string | undefined,
  write: (poll: Poll) => Promise<Poll | undefined>,
  copy: (poll: Poll) => Promise<void> = (poll) => deps.store.writePoll(poll),
): Promise<ManageOutcome> {
  const allowed = await authorizeManager(deps, pollId, token);
  if (!allowed.ok) return allowed;
  const poll = await write(allowed.poll);
  if (!poll) return { ok: false, reason: "unknown-poll" };
  await copy(poll);
  deps.lookup.forget(poll.id);
  return { ok: true, poll };
}

/** Closes or reopens a poll (reopening one past its closesAt takes the deadline away). */
export function setPollStatus(deps: PollDeps, pollId: unknown, token: string | undefined, status: PollStatus) {
  return change(deps, pollId, token, (poll) => deps.archive.setStatus(poll.id, status));
}

/** Shows a hidden poll's counts to everyone. */
export function revealPoll(deps: PollDeps, pollId: unknown, token: string | undefined) {
  return change(deps, pollId, token, (poll) => deps.archive.reveal(poll.id));
}

/**
 * Drops every ballot and count. The new revision goes to the vote store in
 * the same step that forgets the voters, so a vote cast from a page that
 * hadn't seen the reset is refused as stale and cast again; a ballot still
 * in the queue from before is refused by the consumer. Versions keep
 * growing (they are the store's clock), so no old ballot comes back.
 */
export function resetPoll(deps: PollDeps, pollId: unknown, token: string | undefined) {
  return change(
    deps,
    pollId,
    token,
    (poll) => deps.archive.resetPoll(poll.id),
    (poll) => deps.store.writeReset(poll),
  );
}

/** Deletes the poll with its ballots and counts, and its keys in the vote store; every route answers 404 after. */
export async function deletePoll(deps: PollDeps, pollId: unknown, token: string | undefined): Promise<ManageOutcome> {
  const allowed = await authorizeManager(deps, pollId, token);
  if (!allowed.ok) return allowed;
  await deps.archive.deletePoll(allowed.poll.id);
  await deps.store.deletePoll(allowed.poll.id);
  deps.lookup.forget(allowed.poll.id);
  return allowed;
}

export type EditOutcome =
  | ManageOutcome
  | { ok: false; reason: "invalid"; field: DraftField; error: string }
  | { ok: false; reason: "voted" };

/**
 * Changes the question or the options while no one has voted: the vote
 * store checks and writes in one step (a vote cast since makes it refuse),
 * then PostgreSQL, which checks its ballots too (a store that lost its
 * voters can't let an edit through). The new revision makes votes cast from
 * a page showing the old poll stale, so they are cast again on the new one.
 */
export async function editPoll(
  deps: PollDeps,
  pollId: unknown,
  token: string | undefined,
  input: { question?: unknown; options?: unknown },
): Promise<EditOutcome> {
  const allowed = await authorizeManager(deps, pollId, token);
  if (!allowed.ok) return allowed;
  const checked = checkPollEdit(allowed.poll, input);
  if (!checked.ok) return { ok: false, reason: "invalid", field: checked.field, error: checked.error };
  if (!(await deps.store.writeUnvoted(checked.poll))) return { ok: false, reason: "voted" };
  const edited = await deps.archive.editPoll(checked.poll);
  if (edited === undefined) return { ok: false, reason: "unknown-poll" };
  // The record says which poll stands: the edited one, or the one whose ballots it already has.
  await deps.store.writePoll(edited === "voted" ? allowed.poll : edited);
  deps.lookup.forget(allowed.poll.id);
  return edited === "voted" ? { ok: false, reason: "voted" } : { ok: true, poll: edited };
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
