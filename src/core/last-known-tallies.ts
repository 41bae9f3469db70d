import type { TallyCounts } from "../domain/tallies.ts";
import { describeError } from "./logger.ts";
import { type Logger, ResultsUnavailableError, type TallyReader } from "./ports.ts";

const MAX_POLLS = 10_000;

/** A poll's counts, and whether they were read just now or are the last ones that could be read. */
export interface TallySnapshot {
  counts: TallyCounts;
  current: boolean;
}

/**
 * Reads counts, and when the database is away answers with the last counts
 * read for that poll, marked as not current, instead of failing: votes keep
 * flowing into the queue meanwhile, and the pages catch up once it is back.
 * Without any earlier read there is nothing to show: ResultsUnavailableError.
 */
export function createLastKnownTallyReader(
  read: TallyReader,
  logger: Logger,
): (poll: string) => Promise<TallySnapshot> {
  const lastKnown = new Map<string, TallyCounts>();
  return async (poll) => {
    try {
      const counts = await read(poll);
      lastKnown.delete(poll);
      lastKnown.set(poll, counts);
      // Bounded like every per-process cache: the oldest poll read goes first.
      if (lastKnown.size > MAX_POLLS) lastKnown.delete(lastKnown.keys().next().value as string);
      return { counts, current: true };
    } catch (error) {
      logger.warn("results.stale", { poll, ...describeError(error) });
      const counts = lastKnown.get(poll);
      if (!counts) throw new ResultsUnavailableError("The results can't be read right now.", { cause: error });
      return { counts, current: false };
    }
  };
}
