import type { Context } from "hono";
import type { AppConfig } from "../core/config.ts";
import type { TallySnapshot } from "../core/last-known-tallies.ts";
import type { PollDeps } from "../core/manage-polls.ts";
import type { PollDirectory } from "../core/poll-directory.ts";
import type {
  BallotBox,
  Clock,
  CookieSigner,
  Logger,
  PollArchive,
  PollStore,
  Randomness,
  RateLimiter,
  RequestObserver,
  TallyReader,
  VoteStore,
} from "../core/ports.ts";
import type { RenderCache } from "./views/render-cache.ts";

/** Everything the handlers need, as ports; each runtime's composition wires its own adapters. */
export interface AppDeps {
  config: AppConfig;
  store: VoteStore;
  ballotBox: BallotBox;
  readTallies: TallyReader;
  /** The vote path's copy of the polls (Redis, Upstash). */
  pollStore: PollStore;
  /** The record of polls (PostgreSQL): creating and managing, and reloading a poll the store lost. */
  pollArchive: PollArchive;
  /** Polls per client per hour (POLL_CREATE_RATE_LIMIT); absent when off. */
  pollCreateLimiter?: RateLimiter;
  /** New poll ids and manage tokens; WebCrypto's random source by default. */
  random?: Randomness;
  logger: Logger;
  /** Name shown on the vote page, as the original app shows its container id. */
  hostname: string;
  /** Dependencies /readyz checks; each rejects when unreachable. Without one of them the process can't take votes. */
  readiness: Record<string, () => Promise<void>>;
  /** Dependencies /readyz reports in its body without failing (PostgreSQL: votes wait in the queue while it is away). */
  reported?: Record<string, () => Promise<void>>;
  /** False once shutdown has begun, so /readyz fails and load balancers drain us. */
  isAccepting?: () => boolean;
  /** The client's address, a key of the vote limits. */
  clientIp?: (c: Context) => string | undefined;
  observer?: RequestObserver;
  /** Signs the voter cookie; WebCrypto HMAC with COOKIE_SECRET by default. */
  cookieSigner?: CookieSigner;
  /** Time stamps of ballots (a fixed clock in tests); the system clock by default. */
  clock?: Clock;
}

/** What createApp builds once from the deps and hands to every route. */
export interface AppServices {
  deps: AppDeps;
  /** Polls by id, remembered about a second (a close takes effect everywhere within that). */
  polls: PollDirectory;
  /** Counts, or the last ones read (marked not current) while the database is away. */
  readTallies: (poll: string) => Promise<TallySnapshot>;
  manage: PollDeps;
  /** Signs and checks the voter cookie. */
  signer: CookieSigner;
  /** Rendered HTML belongs to this app: another app in the same process may serve other polls. */
  render: RenderCache;
}
