import { describe, expect, it } from "vitest";
import { createSingleFlightCache } from "../../src/core/single-flight.ts";
import { createManualClock } from "../fakes/clock.ts";

/** A load the test settles by hand, and how many loads were started. */
function createLoads<T>() {
  const pending: { resolve(value: T): void; reject(error: Error): void }[] = [];
  return {
    started: () => pending.length,
    load: () => new Promise<T>((resolve, reject) => pending.push({ resolve, reject })),
    resolve: (n: number, value: T) => pending[n]?.resolve(value),
    reject: (n: number, error: Error) => pending[n]?.reject(error),
  };
}

describe("the single-flight cache", () => {
  it("loads a key once however many callers ask while it loads, and gives them all its value", async () => {
    const cache = createSingleFlightCache<string>({ ttlMs: 1_000 });
    const loads = createLoads<string>();
    const answers = Array.from({ length: 20 }, () => cache.get("poll", loads.load));
    expect(loads.started()).toBe(1);
    loads.resolve(0, "counts");
    expect(await Promise.all(answers)).toEqual(Array(20).fill("counts"));
  });

  it("answers from memory until ttlMs has passed, then loads again", async () => {
    const clock = createManualClock();
    const cache = createSingleFlightCache<number>({ ttlMs: 1_000, now: clock.ms });
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get("poll", load)).toBe(1);
    clock.advance(999);
    expect(await cache.get("poll", load)).toBe(1);
    clock.advance(1);
    expect(await cache.get("poll", load)).toBe(2);
  });

  it("doesn't remember a failed load: the next caller loads again", async () => {
    const cache = createSingleFlightCache<string>({ ttlMs: 60_000 });
    await expect(cache.get("poll", () => Promise.reject(new Error("database away")))).rejects.toThrow("database away");
    expect(await cache.get("poll", async () => "back")).toBe("back");
  });

  it("shares a load still under way past ttlMs instead of starting a second one, and forgets it if it fails", async () => {
    const clock = createManualClock();
    const cache = createSingleFlightCache<string>({ ttlMs: 1_000, now: clock.ms });
    const loads = createLoads<string>();
    const first = cache.get("poll", loads.load);
    clock.advance(5_000);
    const second = cache.get("poll", loads.load);
    expect(loads.started()).toBe(1);
    loads.reject(0, new Error("slow and failed"));
    await expect(first).rejects.toThrow("slow and failed");
    await expect(second).rejects.toThrow("slow and failed");
    const third = cache.get("poll", loads.load);
    expect(loads.started()).toBe(2);
    loads.resolve(1, "new");
    expect(await third).toBe("new");
  });

  it("keeps an expired key no longer than expire() said, even when its load settles after with a longer ttlFor", async () => {
    const clock = createManualClock();
    const cache = createSingleFlightCache<string>({ ttlMs: 1_000, ttlFor: () => 60_000, now: clock.ms });
    let settle: (value: string) => void = () => {};
    const first = cache.get("a", () => new Promise((resolve) => (settle = resolve)));
    cache.expire("a", 250);
    cache.expire("b", 250);
    settle("old");
    expect(await first).toBe("old");
    clock.advance(249);
    expect(cache.has("a")).toBe(true);
    clock.advance(1);
    expect(cache.has("a")).toBe(false);
    expect(await cache.get("a", async () => "new")).toBe("new");
    // A new load is not expired: it gets its own interval.
    clock.advance(30_000);
    expect(cache.has("a")).toBe(true);
  });

  it("remembers a value for as long as ttlFor says for that value", async () => {
    const clock = createManualClock();
    const cache = createSingleFlightCache<string>({
      ttlMs: 1_000,
      ttlFor: (value) => (value === "absent" ? 60_000 : 1_000),
      now: clock.ms,
    });
    expect(await cache.get("a", async () => "absent")).toBe("absent");
    clock.advance(30_000);
    expect(cache.has("a")).toBe(true);
    expect(await cache.get("a", async () => "again")).toBe("absent");
    clock.advance(30_000);
    expect(cache.has("a")).toBe(false);
  });

  it("keeps keys apart", async () => {
    const cache = createSingleFlightCache<string>({ ttlMs: 1_000 });
    expect(await cache.get("x", async () => "for x")).toBe("for x");
    expect(await cache.get("y", async () => "for y")).toBe("for y");
    expect(await cache.get("x", async () => "again")).toBe("for x");
  });

  it("keeps at most `limit` keys, dropping the one loaded longest ago", async () => {
    const cache = createSingleFlightCache<string>({ ttlMs: 60_000, limit: 2 });
    for (const key of ["a", "b", "c"]) await cache.get(key, async () => `first ${key}`);
    expect(await cache.get("a", async () => "reloaded a")).toBe("reloaded a");
    expect(await cache.get("c", async () => "reloaded c")).toBe("first c");
  });

  it("forgets a key on demand", async () => {
    const cache = createSingleFlightCache<string>({ ttlMs: 60_000 });
    await cache.get("poll", async () => "open");
    cache.forget("poll");
    expect(await cache.get("poll", async () => "closed")).toBe("closed");
  });
});
