import type { TallyReader } from "../core/ports.ts";
import { createSingleFlightCache } from "../core/single-flight.ts";

/**
 * Caches each poll's counts for `ttlMs` and shares one in-flight query among
 * all callers (single-flight), so any number of viewers costs at most one
 * database read per poll per interval. Failures are not cached. At most
 * `limit` polls are kept; the oldest go first.
 */
export function createTallyCache(
  read: TallyReader,
  ttlMs: number,
  now: () => number = Date.now,
  limit = 10_000,
): TallyReader {
  const cache = createSingleFlightCache<Awaited<ReturnType<TallyReader>>>({ ttlMs, now, limit });
  return (poll) => cache.get(poll, () => read(poll));
}
