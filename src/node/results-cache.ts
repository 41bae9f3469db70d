import type { TallyReader } from "../core/ports.ts";

/**
 * Caches each poll's counts for `ttlMs` and shares one in-flight query among
 * all callers (single-flight), so any number of viewers costs at most one
 * database read per poll per interval. Failures are not cached.
 */
export function createCachedTallyReader(read: TallyReader, ttlMs: number, now: () => number = Date.now): TallyReader {
  const cache = new Map<string, { at: number; value: ReturnType<TallyReader> }>();
  return (poll) => {
    const hit = cache.get(poll);
    if (hit && now() - hit.at < ttlMs) return hit.value;
    const value = read(poll);
    cache.set(poll, { at: now(), value });
    value.catch(() => {
      if (cache.get(poll)?.value === value) cache.delete(poll);
    });
    return value;
  };
}
