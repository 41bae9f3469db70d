/** Values by key, each loaded at most once per `ttlMs`, however many callers ask meanwhile. */
export interface SingleFlightCache<T> {
  get(key: string, load: () => Promise<T>): Promise<T>;
  /** Whether a loaded value is remembered for `key` right now (no load would start). */
  has(key: string): boolean;
  forget(key: string): void;
  /**
   * Keeps `key`'s value (loaded or still loading) for at most `withinMs`
   * from the start of its load: the source said it changed, and a load that
   * began before that may have missed it.
   */
  expire(key: string, withinMs: number): void;
}

/**
 * Remembers each key's value (the promise, so concurrent callers share one
 * load) for `ttlMs` from the start of its load. A load still under way is
 * shared however long it takes: a slow source never gets a second load of
 * the same key at once (the loader bounds its own wait). A failed load is
 * not remembered. At most `limit` keys are kept; the oldest go first. The
 * per-process cache of counts and of polls both rest on it.
 */
export function createSingleFlightCache<T>(options: {
  ttlMs: number;
  /** How long a particular value is remembered, when that depends on the value (an absence, say). */
  ttlFor?: (value: T, key: string) => number;
  limit?: number;
  now?: () => number;
}): SingleFlightCache<T> {
  const { ttlMs, ttlFor } = options;
  const limit = options.limit ?? 10_000;
  const now = options.now ?? Date.now;
  // `cap`: the most an expire() left the entry, whatever `ttl` its value gets.
  const entries = new Map<string, { at: number; value: Promise<T>; settled: boolean; ttl: number; cap: number }>();
  const fresh = (entry: { at: number; ttl: number; cap: number }) => now() - entry.at < Math.min(entry.ttl, entry.cap);
  return {
    get(key, load) {
      const hit = entries.get(key);
      if (hit && (!hit.settled || fresh(hit))) return hit.value;
      const value = load();
      const entry = { at: now(), value, settled: false, ttl: ttlMs, cap: Number.POSITIVE_INFINITY };
      entries.delete(key);
      entries.set(key, entry);
      if (entries.size > limit) entries.delete(entries.keys().next().value as string);
      value.then(
        (loaded) => {
          entry.settled = true;
          if (ttlFor) entry.ttl = ttlFor(loaded, key);
        },
        () => {
          if (entries.get(key) === entry) entries.delete(key);
        },
      );
      return value;
    },
    has(key) {
      const hit = entries.get(key);
      return hit?.settled === true && fresh(hit);
    },
    forget(key) {
      entries.delete(key);
    },
    expire(key, withinMs) {
      const hit = entries.get(key);
      if (hit) hit.cap = Math.min(hit.cap, withinMs);
    },
  };
}
