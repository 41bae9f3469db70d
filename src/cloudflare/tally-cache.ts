import { within } from "../core/deadline.ts";
import type { TallyReader } from "../core/ports.ts";
import type { TallyCounts } from "../domain/tallies.ts";

/** How the edge cache of results behaves; everything but `cache` and `origin` has a default. */
export interface TallyCacheOptions {
  /** The data centre's cache (`caches.default`). */
  cache: Cache;
  /** Scheme and host the Worker serves (its custom domain): cache keys belong to that zone. */
  origin: string;
  /** How long counts are fresh. */
  freshMs?: number;
  /** How long after that they may still be served while one refresh runs in the background. */
  staleMs?: number;
  /** Work that outlives the response: the cache writes and background refreshes (`waitUntil`). */
  defer?: (work: Promise<unknown>) => void;
  /** Background work that failed: a cache write, or a refresh (the next reader past `staleMs` reads through and sees it). */
  onBackgroundError?: (error: unknown) => void;
  /**
   * How long a viewer waits for a read another viewer started; after that the
   * viewer gives up (the caller shows the last counts) and the next one starts
   * a fresh read, so a read that never ends can't hold a poll for ever.
   */
  waitMs?: number;
  now?: () => number;
}

const READ_AT = "X-Read-At";

/**
 * Results through the Cache API of the data centre, the only guard in front
 * of PostgreSQL on Workers (Hyperdrive's own query cache is bypassed so
 * results stay live):
 *
 * - viewers in one isolate that arrive while counts are being read wait for
 *   that one read instead of starting their own, each for at most `waitMs`;
 *   the read runs under waitUntil, so no one viewer's disconnect cancels it;
 * - fresh counts (under `freshMs`) come from the cache, across isolates;
 * - counts a little older are served at once while one refresh runs in the
 *   background; a lease entry in the cache tells other isolates that a refresh
 *   is under way, so a data centre's crowd costs about one query per `freshMs`;
 * - older than that (a quiet poll, or the database away) the read goes through,
 *   so a failure reaches the caller, which shows the last counts as not current.
 *
 * Cache writes never hold up a response. The Cache API works on a custom
 * domain or route only: on workers.dev every cache operation does nothing,
 * and only the in-isolate sharing remains.
 */
export function createTallyCache(read: TallyReader, options: TallyCacheOptions): TallyReader {
  const { cache, origin } = options;
  const freshMs = options.freshMs ?? 1_000;
  const staleMs = options.staleMs ?? 2_000;
  const now = options.now ?? Date.now;
  const deferred = options.defer ?? (() => {});
  const defer = (work: Promise<unknown>) =>
    deferred(work.catch((error: unknown) => options.onBackgroundError?.(error)));
  const waitMs = options.waitMs ?? 5_000;
  const keepSeconds = Math.ceil((freshMs + staleMs) / 1_000);
  const reading = new Map<string, { started: number; counts: Promise<TallyCounts> }>();
  const refreshing = new Set<string>();

  function store(poll: string, counts: TallyCounts, readAt: number): Promise<void> {
    return cache.put(
      cacheKey(origin, poll),
      new Response(JSON.stringify(counts), {
        headers: {
          "Content-Type": "application/json",
          "Cache-Control": `public, max-age=${keepSeconds}`,
          [READ_AT]: String(readAt),
        },
      }),
    );
  }

  function readThrough(poll: string): Promise<TallyCounts> {
    const pending = reading.get(poll);
    if (pending && now() - pending.started < waitMs) return waitFor(pending.counts);
    const started = now();
    const counts = read(poll).then((counts) => {
      defer(store(poll, counts, started));
      return counts;
    });
    const entry = { started, counts };
    reading.set(poll, entry);
    // The read belongs to every viewer waiting on it, not to the request that happened to start
    // it: under waitUntil, that client's disconnect can't cancel it under the others.
    deferred(
      counts.then(
        () => {},
        () => {},
      ),
    );
    counts.then(forget, forget);
    function forget() {
      if (reading.get(poll) === entry) reading.delete(poll);
    }
    return waitFor(counts);
  }

  /** The shared read, or a rejection once this viewer has waited `waitMs`. */
  function waitFor(counts: Promise<TallyCounts>): Promise<TallyCounts> {
    return within(counts, waitMs, `no counts within ${waitMs} ms`);
  }

  async function refresh(poll: string): Promise<void> {
    const lease = leaseKey(origin, poll);
    if (await cache.match(lease)) return;
    await cache.put(lease, new Response("", { headers: { "Cache-Control": `public, max-age=${keepSeconds}` } }));
    try {
      const started = now();
      await store(poll, await read(poll), started);
    } finally {
      await cache.delete(lease);
    }
  }

  function refreshInBackground(poll: string): void {
    if (refreshing.has(poll) || reading.has(poll)) return;
    refreshing.add(poll);
    defer(refresh(poll).finally(() => refreshing.delete(poll)));
  }

  return async (poll) => {
    if (reading.has(poll)) return readThrough(poll);
    const hit = await cache.match(cacheKey(origin, poll));
    const readAt = Number(hit?.headers.get(READ_AT));
    if (hit && Number.isFinite(readAt)) {
      const age = now() - readAt;
      if (age < freshMs) return (await hit.json()) as TallyCounts;
      if (age < freshMs + staleMs) {
        refreshInBackground(poll);
        return (await hit.json()) as TallyCounts;
      }
    }
    await hit?.body?.cancel();
    return readThrough(poll);
  };
}

/** The cache entry of a poll's counts, under the host the Worker serves (tests purge it between cases). */
export function cacheKey(origin: string, poll: string): Request {
  return new Request(new URL(`/__results-cache/${encodeURIComponent(poll)}`, origin));
}

/** The entry that says an isolate is refreshing a poll's counts. */
export function leaseKey(origin: string, poll: string): Request {
  return new Request(new URL(`/__results-cache/${encodeURIComponent(poll)}/refreshing`, origin));
}
