import type { TallyReader } from "../core/ports.ts";

/**
 * Caches each poll's counts for `ttlMs` and shares one in-flight query among
 * all callers (single-flight), so any number of viewers costs at most one
 * database read per poll per interval. Failures are not cached. At most
 * `limit` polls are kept; the oldest go first.
 */
export function createCachedTallyReader(
  read: TallyReader,
  ttlMs: number,
  now: () => number = Date.now,
  limit = 10_000,
): TallyReader {
  const cache = new Map<string, { at: number; value: ReturnType<TallyReader> }>();
  return (poll) => {
    const hit = cache.get(poll);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = read(poll);
    cache.delete(poll);
    cache.set(poll, { at: now(), value });
    if (cache.size > limit) cache.delete(cache.keys().next().value as string);
    value.catch(() => {
      if (cache.get(poll)?.value === value) cache.delete(poll);
    });
    return value;
  };
}
