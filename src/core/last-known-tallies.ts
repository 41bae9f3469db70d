import type { TallyCounts } from "../domain/tallies.ts";
import { describeError } from "./logger.ts";
import { type Logger, ResultsUnavailableError, type TallyReader } from "./ports.ts";

const MAX_POLLS = 10_000;
/** How long a viewer waits for counts before getting the last ones read: well inside the promised 500 ms. */
const ANSWER_WITHIN_MS = 400;

/** A poll's counts, and whether they were read just now or are the last ones that could be read. */
export interface TallySnapshot {
  counts: TallyCounts;
  current: boolean;
}

type Settled = { counts: TallyCounts } | { error: unknown } | undefined;

/**
 * Reads counts, and when the database is away (refusing, or not answering at
 * all) answers within `answerWithinMs` with the last counts read for that
 * poll, marked as not current, instead of failing or waiting: votes keep
 * flowing into the queue meanwhile, and the pages catch up once it is back.
 * A read that ends late still refreshes the last counts. Without any earlier
 * read there is nothing to show: ResultsUnavailableError. The change to stale
 * and back is logged once per poll, not once per viewer.
 */
export function createLastKnownTallyReader(
  read: TallyReader,
  logger: Logger,
  options: { answerWithinMs?: number } = {},
): (poll: string) => Promise<TallySnapshot> {
  const answerWithinMs = options.answerWithinMs ?? ANSWER_WITHIN_MS;
  const lastKnown = new Map<string, TallyCounts>();
  const stale = new Set<string>();
  // Viewers sharing one read (the runtime's single-flight cache) share its deadline and its handlers.
  const deadlines = new WeakMap<Promise<TallyCounts>, Promise<Settled>>();

  function remember(poll: string, counts: TallyCounts): void {
    lastKnown.delete(poll);
    lastKnown.set(poll, counts);
    // Bounded like every per-process cache: the oldest poll read goes first.
    if (lastKnown.size > MAX_POLLS) lastKnown.delete(lastKnown.keys().next().value as string);
    if (stale.delete(poll)) logger.info("results.current", { poll });
  }

  function settle(poll: string, reading: Promise<TallyCounts>): Promise<Settled> {
    let settled = deadlines.get(reading);
    if (settled) return settled;
    const outcome = reading.then(
      (counts) => {
        remember(poll, counts);
        return { counts };
      },
      (error: unknown) => {
        if (!stale.has(poll)) {
          stale.add(poll);
          if (stale.size > MAX_POLLS) stale.delete(stale.values().next().value as string);
          logger.warn("results.stale", { poll, ...describeError(error) });
        }
        return { error };
      },
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), answerWithinMs);
    });
    settled = Promise.race([outcome, late]).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
    });
    deadlines.set(reading, settled);
    return settled;
  }

  return async (poll) => {
    const settled = await settle(poll, read(poll));
    if (settled && "counts" in settled) return { counts: settled.counts, current: true };
    const counts = lastKnown.get(poll);
    if (!counts) {
      const cause = settled ? settled.error : new Error(`no counts within ${answerWithinMs} ms`);
      throw new ResultsUnavailableError("The results can't be read right now.", { cause });
    }
    return { counts, current: false };
  };
}
