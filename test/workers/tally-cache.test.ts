import { SELF } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { cacheKey, createTallyCache, leaseKey, type TallyCacheOptions } from "../../src/cloudflare/tally-cache.ts";
import { createPostgresVoteArchive } from "../../src/postgres/vote-archive.ts";
import { ORIGIN } from "../contract/http-contract.ts";
import { waitFor } from "../helpers/wait.ts";
import { database, resetState } from "./support.ts";

const ORIGIN_SERVED = "https://vote.example";
const voters = ["0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11", "9c1e2b44-5d6f-4a7b-8c9d-0e1f2a3b4c5d"] as const;

function castInDatabase(voter: string, choice: string, version: number) {
  return database((sql) =>
    createPostgresVoteArchive(sql).applyBallots([
      { poll: "default", voter, choices: [choice], version, castAt: "2026-11-26T10:00:00.000Z", revision: 0 },
    ]),
  );
}

/**
 * The real tally read against PostgreSQL, counted; a clock the test moves;
 * background work collected so the test can wait for it. Each reader made
 * from one world is another isolate of the same data centre (one cache).
 */
async function world() {
  const cache = await caches.open(`edge-cache-test-${crypto.randomUUID()}`);
  const clock = { now: 1_000_000 };
  const reads: string[] = [];
  let failing = false;
  let gate: Promise<void> | undefined;
  const background: Promise<unknown>[] = [];
  const read = async (poll: string) => {
    reads.push(poll);
    await gate;
    if (failing) throw new Error("database away");
    return database((sql) => createPostgresVoteArchive(sql).readTallies(poll));
  };
  const options: TallyCacheOptions = {
    cache,
    origin: ORIGIN_SERVED,
    now: () => clock.now,
    defer: (work) => background.push(work),
  };
  return {
    cache,
    clock,
    reads,
    isolate: () => createTallyCache(read, options),
    failReads: () => {
      failing = true;
    },
    /** Holds every read until the returned function is called. */
    holdReads: () => {
      let open = () => {};
      gate = new Promise((resolve) => {
        open = resolve;
      });
      return () => {
        gate = undefined;
        open();
      };
    },
    settle: async () => {
      while (background.length > 0) await background.shift();
    },
  };
}

describe("the edge cache of results", () => {
  beforeEach(() => resetState());

  it("gives every viewer who arrives during a miss the one read already under way", async () => {
    await castInDatabase(voters[0], "a", 1);
    const { isolate, reads } = await world();
    const reader = isolate();
    const answers = await Promise.all(Array.from({ length: 25 }, () => reader("default")));
    expect(reads).toEqual(["default"]);
    for (const counts of answers) expect(counts).toEqual({ options: { a: 1 }, participants: 1 });
  });

  it("answers other isolates from the cache while the counts are fresh", async () => {
    await castInDatabase(voters[0], "a", 1);
    const { isolate, reads, settle, clock } = await world();
    await isolate()("default");
    await settle();
    clock.now += 900;
    expect(await isolate()("default")).toEqual({ options: { a: 1 }, participants: 1 });
    expect(reads).toHaveLength(1);
  });

  it("serves slightly old counts at once while one refresh, whichever isolate starts it, brings them up to date", async () => {
    await castInDatabase(voters[0], "a", 1);
    const { cache, isolate, reads, settle, clock, holdReads } = await world();
    await isolate()("default");
    await settle();
    await castInDatabase(voters[1], "b", 1);
    clock.now += 1_500;

    const release = holdReads();
    const first = isolate();
    expect(await first("default")).toEqual({ options: { a: 1 }, participants: 1 });
    expect(await first("default")).toEqual({ options: { a: 1 }, participants: 1 });
    // The first isolate's refresh holds the lease (its read is held): another isolate serves the same counts, reads nothing.
    await waitFor(() => cache.match(leaseKey(ORIGIN_SERVED, "default")), "the refresh to take the lease", 10_000, 5);
    expect(await isolate()("default")).toEqual({ options: { a: 1 }, participants: 1 });
    release();
    await settle();
    expect(reads).toHaveLength(2);
    expect(await isolate()("default")).toEqual({ options: { a: 1, b: 1 }, participants: 2 });
    expect(reads).toHaveLength(2);
    expect(await cache.match(leaseKey(ORIGIN_SERVED, "default"))).toBeUndefined();
  });

  it("reads through counts too old to serve, so a database outage reaches the caller", async () => {
    await castInDatabase(voters[0], "a", 1);
    const { isolate, settle, clock, failReads } = await world();
    const reader = isolate();
    await reader("default");
    await settle();
    failReads();
    clock.now += 10_000;
    await expect(reader("default")).rejects.toThrow("database away");
  });

  it("runs the shared read and the cache write under waitUntil, so no one viewer's disconnect cancels them", async () => {
    const { cache } = await world();
    const deferred: Promise<unknown>[] = [];
    const reader = createTallyCache((poll) => database((sql) => createPostgresVoteArchive(sql).readTallies(poll)), {
      cache,
      origin: ORIGIN_SERVED,
      defer: (work) => deferred.push(work),
    });
    expect(await reader("default")).toEqual({ options: {}, participants: 0 });
    expect(deferred).toHaveLength(2);
    await Promise.all(deferred);
    expect(await cache.match(cacheKey(ORIGIN_SERVED, "default"))).toBeDefined();
  });

  it("gives up waiting on a read that never ends, and the next viewer starts a new one", async () => {
    const clock = { now: 1_000_000 };
    let reads = 0;
    const reader = createTallyCache(
      // The first read never ends, as one cancelled under its viewers would; the next answers at once.
      async () => (++reads === 1 ? new Promise<never>(() => {}) : { options: { a: 1 }, participants: 1 }),
      {
        cache: await caches.open(`edge-cache-test-${crypto.randomUUID()}`),
        origin: ORIGIN_SERVED,
        now: () => clock.now,
        waitMs: 200,
      },
    );
    await expect(reader("default")).rejects.toThrow("no counts within 200 ms");
    clock.now += 300;
    expect(await reader("default")).toEqual({ options: { a: 1 }, participants: 1 });
    expect(reads).toBe(2);
  });

  it("keys the web Worker's entries under the host it serves", async () => {
    expect((await SELF.fetch(`${ORIGIN}/api/results`)).status).toBe(200);
    const key = cacheKey(ORIGIN, "default");
    expect(new URL(key.url).host).toBe(new URL(ORIGIN).host);
    // The write runs in waitUntil, after the response: wait for it to land.
    const entry = await waitFor(() => caches.default.match(key), "the cache write to land", 5_000, 10);
    expect(await entry.json()).toEqual({ options: {}, participants: 0 });
  });
});
