import { toCsv } from "../domain/csv.ts";
import { checkPollDraft, isPollId, type Poll, type PollStatus, pollFromDraft } from "../domain/polls.ts";
import type { PollResults } from "../domain/tallies.ts";
import type { PollDirectory } from "./poll-directory.ts";
import type { BallotRow, PollArchive, PollStore, Randomness, RateLimiter } from "./ports.ts";

/** What creating and managing polls needs. */
export interface PollDeps {
  archive: PollArchive;
  store: PollStore;
  directory: PollDirectory;
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
    const verdict = await deps.createLimiter.take(input.client ?? "unknown");
    if (!verdict.allowed) return { ok: false, reason: "rate-limited", retryAfter: verdict.retryAfter };
  }
  const poll = pollFromDraft(deps.random.pollId(), check.draft);
  const manageToken = deps.random.manageToken();
  await deps.archive.createPoll(poll, await hashToken(manageToken));
  await deps.store.writePoll(poll);
  return { ok: true, poll, manageToken };
}

export type ManageOutcome =
  | { ok: true; poll: Poll }
  | { ok: false; reason: "unknown-poll" }
  | { ok: false; reason: "no-token" }
  | { ok: false; reason: "wrong-token" };

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
  deps.directory.forget(poll.id);
  return { ok: true, poll };
}

/** `results.csv`: one line per option, in the poll's order. */
export function resultsCsv(results: PollResults): string {
  return toCsv(
    ["option_id", "label", "votes", "percent"],
    results.options.map((option) => [option.id, option.label, option.votes, option.percent]),
  );
}

/** `ballots.csv`: one line per voter, the voter as a salted hash. */
export function ballotsCsv(rows: readonly BallotRow[]): string {
  return toCsv(
    ["voter", "option_id", "cast_at"],
    rows.map((row) => [row.voter, row.option, row.castAt]),
  );
}
