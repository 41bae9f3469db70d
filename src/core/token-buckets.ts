/**
 * Token buckets kept in this process, one per key: each holds up to `burst`
 * tokens and gains `perSecond` a second. For costs that must stay bounded
 * without a round trip to a shared store (which would be the cost itself).
 * At most `limit` keys are kept; the oldest go first.
 */
export interface TokenBuckets {
  /** Takes a token from `key`'s bucket: false when it is empty. */
  take(key: string): boolean;
  /** Whether `key`'s bucket is empty right now (takes nothing). */
  empty(key: string): boolean;
  /** Seconds until `key`'s bucket has a token again. */
  secondsUntilToken(key: string): number;
}

export function createTokenBuckets(options: {
  perSecond: number;
  burst: number;
  limit?: number;
  now?: () => number;
}): TokenBuckets {
  const { perSecond, burst } = options;
  const limit = options.limit ?? 10_000;
  const now = options.now ?? Date.now;
  const buckets = new Map<string, { tokens: number; at: number }>();

  function fill(key: string): { tokens: number; at: number } {
    const t = now();
    let bucket = buckets.get(key);
    if (!bucket) {
      bucket = { tokens: burst, at: t };
      if (buckets.size >= limit) buckets.delete(buckets.keys().next().value as string);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.delete(key);
    }
    buckets.set(key, bucket);
    return bucket;
  }

  return {
    take(key) {
      const bucket = fill(key);
      if (bucket.tokens < 1) return false;
      bucket.tokens -= 1;
      return true;
    },
    empty(key) {
      return fill(key).tokens < 1;
    },
    secondsUntilToken(key) {
      const bucket = fill(key);
      return bucket.tokens >= 1 ? 0 : Math.ceil((1 - bucket.tokens) / perSecond);
    },
  };
}
