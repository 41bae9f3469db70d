import type { Context } from "hono";
import type { AppConfig } from "../core/config.ts";
import type { CookieSigner, Logger, RequestObserver } from "../core/ports.ts";
import type { UseCaseDeps, UseCases } from "../core/use-cases.ts";
import type { RenderCache } from "./views/render-cache.ts";

/** Everything the app needs, as ports; each runtime's composition wires its own adapters. */
export interface AppDeps extends Omit<UseCaseDeps, "defaultPoll" | "voteLimits"> {
  config: AppConfig;
  /** Signs and checks the voter cookie (HMAC-SHA256 with COOKIE_SECRET). */
  cookieSigner: CookieSigner;
  /** Name shown on the vote page, as the original app shows its container id. */
  hostname: string;
  /** Dependencies /readyz checks; each rejects when unreachable. Without one of them the process can't take votes. */
  readiness: Record<string, () => Promise<void>>;
  /** Dependencies /readyz reports in its body without failing (PostgreSQL: votes wait in the queue while it is away). */
  reported?: Record<string, () => Promise<void>>;
  /** False once shutdown has begun, so /readyz fails and load balancers drain us. */
  isAccepting?: () => boolean;
  /** How long /readyz reuses its checks' results (0: checks on every call). */
  readinessRememberMs?: number;
  /** The client's address, a key of the vote limits. */
  clientAddress?: (c: Context) => string | undefined;
  observer?: RequestObserver;
}

/** What createApp builds once and hands to every route: the use cases and what the pages need. */
export interface AppServices {
  useCases: UseCases;
  logger: Logger;
  config: AppConfig;
  signer: CookieSigner;
  hostname: string;
  clientAddress: (c: Context) => string | undefined;
  /** Rendered HTML belongs to this app: another app in the same process may serve other polls. */
  render: RenderCache;
}
