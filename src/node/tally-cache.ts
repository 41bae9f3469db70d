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
  now?: () => number;
  /** At most this many polls are kept; the oldest go first. */
  limit?: number;
}

/**
 * Caches each poll's counts for `ttlMs` and shares one in-flight query among
 * all callers (single-flight): at most one database read per poll per
 * interval, and never two at once. Failures are not cached.
 */
export function createTallyCache(read: TallyReader, options: TallyCacheOptions): TallyReader {
  const { timeoutMs = 5_000 } = options;
  const cache = createSingleFlightCache<Awaited<ReturnType<TallyReader>>>(options);
  return (poll) => cache.get(poll, () => within(read(poll), timeoutMs));
}

function within<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
