import { describe, expect, it } from "vitest";
import { createTallyCache } from "../../src/node/tally-cache.ts";

describe("the results cache", () => {
  it("shares one query among concurrent readers and reuses it within the interval", async () => {
    let queries = 0;
    let clock = 0;
    const read = createTallyCache(
      async () => ({ a: ++queries }),
      1_000,
      () => clock,
    );
    const answers = await Promise.all(Array.from({ length: 50 }, () => read("default")));
    expect(queries).toBe(1);
    expect(answers.every((a) => a.a === 1)).toBe(true);
    clock = 999;
    await read("default");
    expect(queries).toBe(1);
    clock = 1_000;
    expect(await read("default")).toEqual({ a: 2 });
  });

  it("does not keep a failure", async () => {
    let fail = true;
    const read = createTallyCache(async () => {
      if (fail) throw new Error("database down");
      return { a: 1 };
    }, 60_000);
    await expect(read("default")).rejects.toThrow("database down");
    fail = false;
    expect(await read("default")).toEqual({ a: 1 });
  });

  it("keeps polls apart", async () => {
    const read = createTallyCache(async (poll) => ({ [poll]: 1 }), 1_000);
    expect(await read("x")).toEqual({ x: 1 });
    expect(await read("y")).toEqual({ y: 1 });
  });
});
