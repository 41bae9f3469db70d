import { afterAll, beforeAll } from "vitest";
import type { CastRequest } from "../../../src/core/ports.ts";
import { DEFAULT_SETTINGS, type Poll } from "../../../src/domain/polls.ts";
import type { TallyCounts } from "../../../src/domain/tallies.ts";

/**
 * A limit window longer than any test (about 31 years): the fixed windows
 * are aligned to the clock, so with a short one a test that crossed a
 * boundary would see its counts start again.
 */
export const LONG_WINDOW_MS = 1e12;

/** A created poll's id: 12 URL-safe characters, new for each test so tests sharing a store don't meet. */
export function randomPollId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  return Array.from(crypto.getRandomValues(new Uint8Array(12)), (byte) => alphabet[byte % 64]).join("");
}

/** A vote with nothing for the store to check but the limits, as for the default poll; `extra` adds checks. */
export function castRequest(
  poll: string,
  voter: string,
  choices: readonly string[],
  extra: Partial<CastRequest> = {},
): CastRequest {
  return {
    poll,
    voter,
    choices,
    castAt: "2026-11-26T10:00:00.000Z",
    revision: undefined,
    opensAtMicros: 0,
    closesAtMicros: 0,
    ...extra,
  };
}

/** An open poll with a fresh id and the options `a`, `b`, `c` ... */
export function newPoll(question = "Tea or coffee?", labels: readonly string[] = ["Tea", "Coffee", "Water"]): Poll {
  return {
    id: randomPollId(),
    question,
    options: labels.map((label, i) => ({ id: String.fromCharCode(97 + i), label })),
    status: "open",
    ...DEFAULT_SETTINGS,
  };
}

/** Counts of options without those at zero (stores may or may not keep a row for a count that fell to zero). */
export function nonZero(counts: TallyCounts): Record<string, number> {
  return Object.fromEntries(Object.entries(counts.options).filter(([, votes]) => votes !== 0));
}

/** A suite's subject: opened before its first test, closed after its last; the getter gives it to the tests. */
export function openForSuite<S extends { close(): Promise<void> }>(open: () => Promise<S>): () => S {
  let subject: S | undefined;
  beforeAll(async () => {
    subject = await open();
  });
  afterAll(async () => {
    await subject?.close();
  });
  return () => {
    if (!subject) throw new Error("the suite's subject did not open");
    return subject;
  };
}
