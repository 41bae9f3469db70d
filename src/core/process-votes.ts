import { type Ballot, parseBallot } from "../domain/ballots.ts";
import type { Poll } from "../domain/polls.ts";
import { PermanentArchiveError, type VoteArchive } from "./ports.ts";

/** The fate of one message: applied (or already applied), or refused with a reason. */
export type VoteOutcome = { ok: true } | { ok: false; reason: string };

/**
 * Moves a batch of queued messages into the archive, shared by the Redis
 * Stream consumer and the Cloudflare Queue consumer. Valid ballots are
 * written in one transaction; malformed ones are refused without touching
 * the database. If the database refuses the data itself, the batch is split
 * until the offending ballot is isolated, so one bad message can't hold
 * back the rest. Any other failure (database down) is thrown: the caller
 * must retry the whole batch, which is safe because writes are idempotent.
 */
export async function processVotes(
  messages: readonly unknown[],
  archive: VoteArchive,
  polls: { find(id: string): Poll | undefined | Promise<Poll | undefined> },
): Promise<VoteOutcome[]> {
  // Each JSON message is decoded once; what isn't JSON stays text, for parseBallot to refuse.
  const decoded = messages.map(decodeJson);
  const known = await lookUpPolls(decoded, polls);
  const outcomes: VoteOutcome[] = [];
  const valid: { index: number; ballot: Ballot }[] = [];
  decoded.forEach((message, index) => {
    const check = parseBallot(message, { find: (id) => known.get(id) });
    if (check.ok) {
      valid.push({ index, ballot: check.ballot });
      outcomes[index] = { ok: true };
    } else {
      outcomes[index] = { ok: false, reason: `malformed: ${check.reason}` };
    }
  });
  await applyIsolatingRefusals(valid, archive, outcomes);
  return outcomes;
}

/** The polls a batch names, each looked up once. */
async function lookUpPolls(
  messages: readonly unknown[],
  polls: { find(id: string): Poll | undefined | Promise<Poll | undefined> },
): Promise<Map<string, Poll>> {
  const ids = new Set<string>();
  for (const message of messages) {
    const poll = pollIdOf(message);
    if (poll !== undefined) ids.add(poll);
  }
  const found = new Map<string, Poll>();
  await Promise.all(
    [...ids].map(async (id) => {
      const poll = await polls.find(id);
      if (poll) found.set(id, poll);
    }),
  );
  return found;
}

function decodeJson(message: unknown): unknown {
  if (typeof message !== "string") return message;
  try {
    return JSON.parse(message);
  } catch {
    return message;
  }
}

function pollIdOf(message: unknown): string | undefined {
  const poll = (message as { poll?: unknown } | null)?.poll;
  return typeof poll === "string" && poll.length <= 64 ? poll : undefined;
}

async function applyIsolatingRefusals(
  part: { index: number; ballot: Ballot }[],
  archive: VoteArchive,
  outcomes: VoteOutcome[],
): Promise<void> {
  if (part.length === 0) return;
  try {
    const refused = await archive.applyBallots(part.map((item) => item.ballot));
    for (const [position, reason] of refused) {
      const item = part[position];
      if (item) outcomes[item.index] = { ok: false, reason };
    }
  } catch (error) {
    if (!(error instanceof PermanentArchiveError)) throw error;
    const [only] = part;
    if (part.length === 1 && only) {
      outcomes[only.index] = { ok: false, reason: `refused by the database: ${error.message}` };
      return;
    }
    const middle = Math.ceil(part.length / 2);
    await applyIsolatingRefusals(part.slice(0, middle), archive, outcomes);
    await applyIsolatingRefusals(part.slice(middle), archive, outcomes);
  }
}

/**
 * Pairs messages with their outcomes (same order) and keeps the refused ones
 * with their reasons, keyed as the queue names its messages: what goes to the
 * dead letters.
 */
export function refusedMessages<T, K>(
  messages: readonly T[],
  outcomes: readonly VoteOutcome[],
  keyOf: (message: T) => K,
): Map<K, string> {
  const refused = new Map<K, string>();
  outcomes.forEach((outcome, i) => {
    const message = messages[i];
    if (!outcome.ok && message !== undefined) refused.set(keyOf(message), outcome.reason);
  });
  return refused;
}
