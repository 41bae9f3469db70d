import { describe, expect, it } from "vitest";
import type { TallyCounts } from "../../src/domain/tallies.ts";
import { createTallyCache } from "../../src/node/tally-cache.ts";

/** Counts with one option, `a`, at `n`. */
const counts = (n: number, option = "a"): TallyCounts => ({ options: { [option]: n }, participants: n });

describe("the results cache", () => {
  it("shares one query among concurrent readers and reuses it within the interval", async () => {
    let queries = 0;
    let clock = 0;
    const read = createTallyCache(async () => counts(++queries), { ttlMs: 1_000, now: () => clock });
    const answers = await Promise.all(Array.from({ length: 50 }, () => read("default")));
    expect(queries).toBe(1);
    expect(answers.every((a) => a.options.a === 1)).toBe(true);
    clock = 999;
    await read("default");
    expect(queries).toBe(1);
    clock = 1_000;
    expect(await read("default")).toEqual(counts(2));
  });

  it("does not keep a failure", async () => {
    let fail = true;
    const read = createTallyCache(
      async () => {
        if (fail) throw new Error("database down");
        return counts(1);
      },
      { ttlMs: 60_000 },
    );
    await expect(read("default")).rejects.toThrow("database down");
    fail = false;
    expect(await read("default")).toEqual(counts(1));
  });

  it("never runs two queries for a poll at once, even past the interval, and gives up on one that hangs", async () => {
    let clock = 0;
    const queries: ((counts: TallyCounts) => void)[] = [];
    const read = createTallyCache(() => new Promise((resolve) => queries.push(resolve)), {
      ttlMs: 1_000,
      timeoutMs: 50,
      now: () => clock,
    });
    const first = read("default");
    clock = 5_000;
    const second = read("default");
    expect(queries).toHaveLength(1);
    await expect(first).rejects.toThrow("did not answer within 50 ms");
    await expect(second).rejects.toThrow("did not answer within 50 ms");
    const third = read("default");
    expect(queries).toHaveLength(2);
    queries[1]?.(counts(3));
    expect(await third).toEqual(counts(3));
  });

  it("keeps polls apart", async () => {
    const read = createTallyCache(async (poll) => counts(1, poll), { ttlMs: 1_000 });
    expect(await read("x")).toEqual(counts(1, "x"));
    expect(await read("y")).toEqual(counts(1, "y"));
  });

  describe("told that a poll's counts changed (the consumer's notice)", () => {
    it("reads them again once `refreshAfterChangeMs` has passed since the last read began, not before", async () => {
      let queries = 0;
      let clock = 0;
      const read = createTallyCache(async () => counts(++queries), {
        ttlMs: 1_000,
        refreshAfterChangeMs: 250,
        now: () => clock,
      });
      expect(await read("default")).toEqual(counts(1));
      clock = 100;
      read.changed("default");
      expect(await read("default")).toEqual(counts(1));
      clock = 250;
      expect(await read("default")).toEqual(counts(2));
      // No notice since: the interval is the full one again.
      clock = 600;
      expect(await read("default")).toEqual(counts(2));
      clock = 1_250;
      expect(await read("default")).toEqual(counts(3));
    });

    it("reads again after a read that was under way when the change came: it may have missed it", async () => {
      let clock = 0;
      const queries: ((counts: TallyCounts) => void)[] = [];
      const read = createTallyCache(() => new Promise((resolve) => queries.push(resolve)), {
        ttlMs: 1_000,
        refreshAfterChangeMs: 250,
        now: () => clock,
      });
      const first = read("default");
      clock = 300;
      read.changed("default");
      queries[0]?.(counts(1));
      expect(await first).toEqual(counts(1));
      const second = read("default");
      expect(queries).toHaveLength(2);
      queries[1]?.(counts(2));
      expect(await second).toEqual(counts(2));
    });

    it("changes nothing for a poll it holds no counts of, or for the other polls", async () => {
      let queries = 0;
      let clock = 0;
      const read = createTallyCache(async (poll) => counts(++queries, poll), {
        ttlMs: 1_000,
        refreshAfterChangeMs: 250,
        now: () => clock,
      });
      read.changed("x");
      await read("y");
      clock = 500;
      read.changed("x");
      expect(await read("y")).toEqual(counts(1, "y"));
      expect(queries).toBe(1);
    });
  });
});
