import { within } from "../core/deadline.ts";
import type { TallyReader } from "../core/ports.ts";
import { createSingleFlightCache } from "../core/single-flight.ts";

export interface TallyCacheOptions {
  /** How long counts are reused: a crowd of viewers costs one query per poll per interval. */
  ttlMs: number;
  /**
   * How long one query may take before it is given up (rejected), so the
   * next viewer starts another: a database that stopped answering can't hold
   * a poll's reads for ever, only one query per poll per `timeoutMs`.
   */
  timeoutMs?: number;
  /**
   * Once told that a poll's counts changed (`changed`), they are read again
   * this long after the last read began instead of `ttlMs`: the crowd still
   * costs one query per poll per interval, the shorter one while votes flow.
   */
  refreshAfterChangeMs?: number;
  now?: () => number;
  /** At most this many polls are kept; the oldest go first. */
  limit?: number;
}

/** Counts by poll, which can be told that a poll's counts changed. */
export interface TallyCache extends TallyReader {
  changed(poll: string): void;
}

/**
 * Caches each poll's counts for `ttlMs` and shares one in-flight query among
 * all callers (single-flight): at most one database read per poll per
 * interval, and never two at once. Failures are not cached.
 */
export function createTallyCache(read: TallyReader, options: TallyCacheOptions): TallyCache {
  const { timeoutMs = 5_000, refreshAfterChangeMs = options.ttlMs } = options;
  const cache = createSingleFlightCache<Awaited<ReturnType<TallyReader>>>(options);
  const reader = (poll: string) =>
    cache.get(poll, () => within(read(poll), timeoutMs, `the database did not answer within ${timeoutMs} ms`));
  return Object.assign(reader, { changed: (poll: string) => cache.expire(poll, refreshAfterChangeMs) });
}
