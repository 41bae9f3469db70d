import { afterEach, describe, expect, it, vi } from "vitest";
import { createRateLimiter } from "../../src/cloudflare/rate-limiter.ts";
import { prefix, redis } from "./support.ts";

describe("the poll creation limit on Workers (@upstash/ratelimit through Upstash's REST protocol)", () => {
  afterEach(() => vi.restoreAllMocks());

  it("lets a client create POLL_CREATE_RATE_LIMIT polls an hour, then says when to come back", async () => {
    const sent: string[] = [];
    const realFetch = globalThis.fetch;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      if (typeof init?.body !== "string") return realFetch(input, init);
      sent.push(init.body);
      // Every EVALSHA names a script Redis has never seen, as on a fresh Upstash: the library then
      // sends the script's text, whatever ran before in this Redis, and the flag below can be seen.
      const unknown = "0".repeat(40);
      const asFresh = (command: unknown) =>
        Array.isArray(command) && /^evalsha$/i.test(String(command[0]))
          ? [command[0], unknown, ...command.slice(2)]
          : command;
      const body = JSON.parse(init.body) as unknown[];
      const rewritten = Array.isArray(body[0]) ? body.map(asFresh) : asFresh(body);
      return realFetch(input, { ...init, body: JSON.stringify(rewritten) });
    });
    const limiter = createRateLimiter(redis, `${prefix}rl-${crypto.randomUUID()}:`, {
      scope: "polls",
      limit: 3,
      windowMs: 3_600_000,
    });
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.take("203.0.113.9"));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    const refused = verdicts[3]!;
    // A fixed window: the next one starts on the hour.
    const untilNextHour = Math.ceil((3_600_000 - (Date.now() % 3_600_000)) / 1000);
    expect(Math.abs((refused.allowed ? 0 : refused.retryAfter) - untilNextHour)).toBeLessThanOrEqual(2);
    expect((await limiter.take("198.51.100.4")).allowed).toBe(true);
    // Its scripts ask Upstash for per-key locks (the local bridge strips the flag for stock Redis).
    expect(sent.some((body) => body.includes("#!lua flags=allow-key-locking"))).toBe(true);
  });
});
