import type { Context } from "hono";
import type { AppConfig } from "../core/config.ts";
import type { BallotBox, Clock, Logger, RateLimiter, RequestObserver, TallyReader, VoteStore } from "../core/ports.ts";

/** Everything the handlers need, as ports; each runtime's composition wires its own adapters. */
export interface AppDeps {
  config: AppConfig;
  store: VoteStore;
  ballotBox: BallotBox;
  readTallies: TallyReader;
  logger: Logger;
  /** Name shown on the vote page, as the original app shows its container id. */
  hostname: string;
  /** Dependencies /readyz checks; each rejects when unreachable. Without one of them the process can't take votes. */
  readiness: Record<string, () => Promise<void>>;
  /** Dependencies /readyz reports in its body without failing (PostgreSQL: votes wait in the queue while it is away). */
  reported?: Record<string, () => Promise<void>>;
  /** False once shutdown has begun, so /readyz fails and load balancers drain us. */
  isAccepting?: () => boolean;
  rateLimiter?: RateLimiter;
  /** The client's address, the key of the vote rate limit. */
  clientIp?: (c: Context) => string | undefined;
  observer?: RequestObserver;
  /** Time stamps of ballots (a fixed clock in tests); the system clock by default. */
  clock?: Clock;
}
