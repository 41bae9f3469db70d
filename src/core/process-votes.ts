import { type Ballot, type BallotRefusal, describeRefusal, parseBallot } from "../domain/ballots.ts";
import { isPollId, type Poll, selectionProblem } from "../domain/polls.ts";
import { type Logger, PermanentArchiveError, type VoteArchive } from "./ports.ts";

/**
 * What the consumer does with one queued message, decided here for both
 * runtimes (the Redis Stream consumer and the Cloudflare Queue consumer only
 * carry it out):
 * - applied: in the database (or already was); acknowledge it;
 * - refused: a valid ballot that must not count: its poll was closed by its
 *   owner before the ballot reached the database, the vote store took it at or
 *   after closesAt (or before opensAt), the poll was reset after it was cast,
 *   or deleted; acknowledge it, count it, log it once; never retried, never
 *   dead-lettered;
 * - dead-letter: it can never be applied (malformed, no such poll or option,
 *   refused by the database); keep it for a person, with the reason;
 * - retry: the database failed; nothing is lost by trying again later, as
 *   every write is idempotent.
 */
export type Verdict =
  | { action: "applied" }
  | { action: "refused"; refusal: BallotRefusal }
  | { action: "dead-letter"; refusal: BallotRefusal }
  | { action: "retry"; cause: unknown };

/** What deciding a batch needs: where ballots go, and the polls they name. */
export interface ProcessVotesDeps {
  archive: VoteArchive;
  polls: { find(id: string): Promise<Poll | undefined> };
}

/** Refusals that end a ballot for good without a dead letter: valid ballots that came too late. */
const FINAL: ReadonlySet<BallotRefusal["kind"]> = new Set([
  "poll-closed",
  "after-close",
  "before-open",
  "before-reset",
  "poll-deleted",
]);

/**
 * Decides a batch of queued messages, one verdict per message, in order.
 * Valid ballots are written in one transaction. If the database refuses the
 * data itself, the batch is split until the offending ballot is isolated, so
 * one bad message can't hold back the rest. Any other database failure makes
 * every undecided message a retry. The polls are looked up one after the
 * other (each at most once), so a batch holds at most one connection.
 */
export async function processVotes(messages: readonly unknown[], deps: ProcessVotesDeps): Promise<Verdict[]> {
  const verdicts: Verdict[] = [];
  const valid: { index: number; ballot: Ballot }[] = [];
  let polls: Map<string, Poll>;
  const parsed = messages.map((message) => parseBallot(message));
  try {
    polls = await lookUpPolls(parsed, deps.polls);
  } catch (cause) {
    // Without the polls no ballot can be judged.
    return messages.map(() => ({ action: "retry", cause }));
  }
  parsed.forEach((check, index) => {
    if (!check.ok) {
      verdicts[index] = refuse({ kind: "malformed", problem: check.problem });
      return;
    }
    const { ballot } = check;
    const poll = polls.get(ballot.poll);
    // A poll of ours that isn't there any more was deleted, its ballots with it.
    if (!poll)
      verdicts[index] = refuse({ kind: isPollId(ballot.poll) ? "poll-deleted" : "unknown-poll", poll: ballot.poll });
    else if (selectionProblem(poll, ballot.choices))
      verdicts[index] = refuse({ kind: "unknown-option", poll: poll.id, choice: ballot.choices.join(",") });
    else valid.push({ index, ballot });
  });
  try {
    await applyIsolatingRefusals(valid, deps.archive, verdicts);
  } catch (cause) {
    for (const { index } of valid) verdicts[index] ??= { action: "retry", cause };
  }
  return verdicts;
}

function refuse(refusal: BallotRefusal): Verdict {
  return FINAL.has(refusal.kind) ? { action: "refused", refusal } : { action: "dead-letter", refusal };
}

/** The polls a batch names, each looked up once, one at a time. */
async function lookUpPolls(
  parsed: readonly ReturnType<typeof parseBallot>[],
  polls: ProcessVotesDeps["polls"],
): Promise<Map<string, Poll>> {
  const ids = new Set<string>();
  for (const check of parsed) if (check.ok) ids.add(check.ballot.poll);
  const found = new Map<string, Poll>();
  for (const id of ids) {
    const poll = await polls.find(id);
    if (poll) found.set(id, poll);
  }
  return found;
}

async function applyIsolatingRefusals(
  part: { index: number; ballot: Ballot }[],
  archive: VoteArchive,
  verdicts: Verdict[],
): Promise<void> {
  if (part.length === 0) return;
  try {
    const refused = await archive.applyBallots(part.map((item) => item.ballot));
    part.forEach((item, position) => {
      const refusal = refused.get(position);
      verdicts[item.index] = refusal ? refuse(refusal) : { action: "applied" };
    });
  } catch (error) {
    if (!(error instanceof PermanentArchiveError)) throw error;
    const [only] = part;
    if (part.length === 1 && only) {
      verdicts[only.index] = refuse({ kind: "database-refused", problem: error.message });
      return;
    }
    const middle = Math.ceil(part.length / 2);
    await applyIsolatingRefusals(part.slice(0, middle), archive, verdicts);
    await applyIsolatingRefusals(part.slice(middle), archive, verdicts);
  }
}

/** How many messages of a batch took each way. */
export interface BatchCounts {
  applied: number;
  refused: number;
  deadLettered: number;
  retried: number;
}

/**
 * One log line per message refused or dead-lettered, with its reason, once
 * the transport has carried the verdicts out, and the batch's counts for its metrics and its own log line.
 * `ids` names each message as its queue does.
 */
export function reportVerdicts(logger: Logger, verdicts: readonly Verdict[], ids: readonly string[]): BatchCounts {
  const counts: BatchCounts = { applied: 0, refused: 0, deadLettered: 0, retried: 0 };
  verdicts.forEach((verdict, i) => {
    switch (verdict.action) {
      case "applied":
        counts.applied++;
        return;
      case "refused":
        counts.refused++;
        logger.warn("vote.refused", { id: ids[i], reason: describeRefusal(verdict.refusal) });
        return;
      case "dead-letter":
        counts.deadLettered++;
        logger.warn("vote.dead_lettered", { id: ids[i], reason: describeRefusal(verdict.refusal) });
        return;
      case "retry":
        // Each transport logs its retries once per batch, with when it tries again.
        counts.retried++;
        return;
    }
  });
  return counts;
}
