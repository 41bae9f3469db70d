import type { TallyCounts } from "../domain/tallies.ts";
import { describeError } from "./logger.ts";
import { type Logger, ResultsUnavailableError, type TallyReader } from "./ports.ts";

const MAX_POLLS = 10_000;
/** How long a viewer waits for counts before getting the last ones read: well inside the promised 500 ms. */
const ANSWER_WITHIN_MS = 400;
/** How long a viewer waits when there are no last counts to show instead (a cold connection can be slow). */
const FIRST_READ_WITHIN_MS = 5_000;

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
 * read there is nothing to show, so the viewer waits longer
 * (`firstReadWithinMs`), then gets ResultsUnavailableError. The change to
 * stale and back is logged once per poll, not once per viewer.
 */
export function createLastKnownTallyReader(
  read: TallyReader,
  logger: Logger,
  options: { answerWithinMs?: number; firstReadWithinMs?: number } = {},
): (poll: string) => Promise<TallySnapshot> {
  const answerWithinMs = options.answerWithinMs ?? ANSWER_WITHIN_MS;
  const firstReadWithinMs = options.firstReadWithinMs ?? FIRST_READ_WITHIN_MS;
  const lastKnown = new Map<string, TallyCounts>();
  const stale = new Set<string>();
  // Viewers sharing one read (the runtime's single-flight cache) share its outcome and its deadlines.
  const outcomes = new WeakMap<Promise<TallyCounts>, Promise<Settled>>();
  const deadlines = new Map<number, WeakMap<Promise<TallyCounts>, Promise<Settled>>>([
    [answerWithinMs, new WeakMap()],
    [firstReadWithinMs, new WeakMap()],
  ]);

  function remember(poll: string, counts: TallyCounts): void {
    lastKnown.delete(poll);
    lastKnown.set(poll, counts);
    // Bounded like every per-process cache: the oldest poll read goes first.
    if (lastKnown.size > MAX_POLLS) lastKnown.delete(lastKnown.keys().next().value as string);
    if (stale.delete(poll)) logger.info("results.current", { poll });
  }

  function outcomeOf(poll: string, reading: Promise<TallyCounts>): Promise<Settled> {
    let outcome = outcomes.get(reading);
    if (outcome) return outcome;
    outcome = reading.then(
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
    outcomes.set(reading, outcome);
    return outcome;
  }

  /** The read's outcome, or undefined once `ms` have passed without one. */
  function within(poll: string, reading: Promise<TallyCounts>, ms: number): Promise<Settled> {
    const byRead = deadlines.get(ms) as WeakMap<Promise<TallyCounts>, Promise<Settled>>;
    let settled = byRead.get(reading);
    if (settled) return settled;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    settled = Promise.race([outcomeOf(poll, reading), late]).finally(() => {
      if (timer !== undefined) clearTimeout(timer);
    });
    byRead.set(reading, settled);
    return settled;
  }

  return async (poll) => {
    const settled = await within(poll, read(poll), lastKnown.has(poll) ? answerWithinMs : firstReadWithinMs);
    if (settled && "counts" in settled) return { counts: settled.counts, current: true };
    const counts = lastKnown.get(poll);
    if (!counts) {
      const cause = settled ? settled.error : new Error(`no counts within ${firstReadWithinMs} ms`);
      throw new ResultsUnavailableError("The results can't be read right now.", { cause });
    }
    return { counts, current: false };
  };
}
