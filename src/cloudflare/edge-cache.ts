import type { TallyReader } from "../core/ports.ts";
import type { TallyCounts } from "../domain/tallies.ts";

/**
 * Results through the Cache API of the data centre: a crowd of viewers behind
 * one location costs one database query per `ttlSeconds`. (The Cache API
 * works on custom domains; on workers.dev every read goes to the database.)
 */
export function createEdgeCachedTallyReader(read: TallyReader, cache: Cache, ttlSeconds = 1): TallyReader {
  return async (poll) => {
    const key = cacheKey(poll);
    const hit = await cache.match(key);
    if (hit) return (await hit.json()) as TallyCounts;
    const counts = await read(poll);
    await cache.put(
      key,
      new Response(JSON.stringify(counts), {
        headers: { "Content-Type": "application/json", "Cache-Control": `public, max-age=${ttlSeconds}` },
      }),
    );
    return counts;
  };
}

/** The cache entry of a poll's counts (tests purge it between cases). */
export function cacheKey(poll: string): Request {
  return new Request(`https://results-cache.vote.internal/tallies/${encodeURIComponent(poll)}`);
}
