import { describe, expect, it } from "vitest";
import type { RateLimiter } from "../../../src/core/ports.ts";
import { LONG_WINDOW_MS, openForSuite } from "./support.ts";

export interface RateLimiterSubject {
  /** A limiter of `limit` takes per client per window of `windowMs`, counted under `scope`. */
  limiter(options: { scope: string; limit: number; windowMs: number }): RateLimiter;
  close(): Promise<void>;
}

/**
 * What poll creation relies on from a RateLimiter: at most `limit` takes
 * per client in a window, then a refusal that says how many seconds to
 * wait (within the window); clients and scopes are counted apart.
 */
export function describeRateLimiterContract(name: string, open: () => Promise<RateLimiterSubject>): void {
  describe(`a RateLimiter (${name})`, () => {
    const subject = openForSuite(open);

    const scope = () => `polls-${crypto.randomUUID()}`;
    const client = () => `203.0.113.${Math.floor(Math.random() * 250)}-${crypto.randomUUID()}`;

    it("allows `limit` takes per client in a window, then refuses, saying how long to wait", async () => {
      const limiter = subject().limiter({ scope: scope(), limit: 3, windowMs: LONG_WINDOW_MS });
      const someone = client();
      const verdicts = [];
      for (let i = 0; i < 5; i++) verdicts.push(await limiter.take(someone));
      expect(verdicts.map((verdict) => verdict.allowed)).toEqual([true, true, true, false, false]);
      for (const verdict of verdicts.slice(3)) {
        if (verdict.allowed) continue;
        expect(verdict.retryAfter).toBeGreaterThanOrEqual(1);
        expect(verdict.retryAfter).toBeLessThanOrEqual(LONG_WINDOW_MS / 1000);
      }
    });

    it("counts each client on its own", async () => {
      const limiter = subject().limiter({ scope: scope(), limit: 1, windowMs: LONG_WINDOW_MS });
      const [first, second] = [client(), client()];
      expect((await limiter.take(first)).allowed).toBe(true);
      expect((await limiter.take(first)).allowed).toBe(false);
      expect((await limiter.take(second)).allowed).toBe(true);
    });

    it("counts each scope on its own", async () => {
      const someone = client();
      const polls = subject().limiter({ scope: scope(), limit: 1, windowMs: LONG_WINDOW_MS });
      const other = subject().limiter({ scope: scope(), limit: 1, windowMs: LONG_WINDOW_MS });
      expect((await polls.take(someone)).allowed).toBe(true);
      expect((await polls.take(someone)).allowed).toBe(false);
      expect((await other.take(someone)).allowed).toBe(true);
    });
  });
}
