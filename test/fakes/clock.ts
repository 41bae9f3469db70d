import type { Clock } from "../../src/core/ports.ts";

/** A clock that moves only when the test moves it: a Clock for the use cases, `now` for the caches. */
export interface ManualClock extends Clock {
  /** Milliseconds since the epoch, as Date.now gives them. */
  readonly ms: () => number;
  advance(ms: number): void;
}

/** Starts at `start` (a fixed moment, so time stamps in assertions are exact). */
export function createManualClock(start = Date.parse("2026-11-26T10:00:00.000Z")): ManualClock {
  let at = start;
  return {
    now: () => new Date(at),
    ms: () => at,
    advance(ms) {
      if (ms < 0) throw new Error("a clock only moves forward");
      at += ms;
    },
  };
}
