import { type Context, Hono } from "hono";
import { csrf } from "hono/csrf";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { limitBody } from "./body-limit.ts";
import type { AppConfig } from "./config.ts";
import { describeError } from "./logger.ts";
import { securityHeaders } from "./security-headers.ts";
import type { BallotBox, Clock, Logger, RateLimiter, RequestObserver, TallyReader, VoteStore } from "./ports.ts";
import { apiRoutes } from "./routes/api.ts";
import { healthRoutes } from "./routes/health.ts";
import { resultRoutes } from "./routes/results.tsx";
import { voteRoutes } from "./routes/vote.tsx";
import { ErrorPage } from "./views/error-page.tsx";

/** Everything the handlers need, as ports; each runtime entry wires its own adapters. */
export interface AppDeps {
  config: AppConfig;
  store: VoteStore;
  ballotBox: BallotBox;
  readTallies: TallyReader;
  logger: Logger;
  /** Name shown on the vote page, as the original app shows its container id. */
  hostname: string;
  /** Dependencies /readyz checks; each rejects when unreachable. */
  readiness: Record<string, () => Promise<void>>;
  /** False once shutdown has begun, so /readyz fails and load balancers drain us. */
  isAccepting?: () => boolean;
  rateLimiter?: RateLimiter;
  clientIp?: (c: Context) => string | undefined;
  observer?: RequestObserver;
  /** Time stamps of ballots (a fixed clock in tests); the system clock by default. */
  clock?: Clock;
}

export type AppEnv = { Variables: { deps: AppDeps } };

export const MAX_BODY_BYTES = 4 * 1024;

const crossSiteGuard = csrf({
  // Same host as the request, whatever the scheme: behind a TLS-terminating
  // ingress the app sees http while the browser says https.
  origin: (origin, c) => {
    try {
      return new URL(origin).host === (c.req.header("host") ?? new URL(c.req.url).host);
    } catch {
      return false;
    }
  },
});

/** Builds the Hono app both runtimes serve. */
export function createApp(deps: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(async (c, next) => {
    const started = performance.now();
    c.set("deps", deps);
    await next();
    const seconds = (performance.now() - started) / 1000;
    const route = c.req.routePath ?? "unmatched";
    deps.observer?.observe({ method: c.req.method, route, status: c.res.status, seconds });
    deps.logger.info("http.request", {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round(seconds * 10_000) / 10,
    });
  });

  app.use(securityHeaders());

  // A browser says where a post comes from (Origin, Sec-Fetch-Site); a
  // client that says neither (curl, ab) isn't a browser and can't be the
  // victim of a cross-site request, so it is served.
  app.use(async (c, next) => {
    if (c.req.header("origin") === undefined && c.req.header("sec-fetch-site") === undefined) return next();
    return crossSiteGuard(c, next);
  });

  app.on(["POST", "PUT", "PATCH", "DELETE"], "*", limitBody(MAX_BODY_BYTES));

  app.get("/", (c) => c.redirect("/vote"));
  app.route("/", voteRoutes);
  app.route("/", resultRoutes);
  app.route("/api", apiRoutes);
  app.route("/", healthRoutes);

  app.notFound((c) => respondWithError(c, 404, "Not found."));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const message = error.status === 403 ? "Cross-site form posts are not accepted." : error.message;
      return respondWithError(c, error.status, message || "Bad request.", error.res?.headers);
    }
    deps.logger.error("http.unhandled", { ...describeError(error), method: c.req.method, path: c.req.path });
    return respondWithError(c, 500, "Please try again in a moment.");
  });

  return app;
}

/** One error shape per audience: JSON for /api, a message for htmx, a page for browsers. */
function respondWithError(
  c: Context,
  status: number,
  message: string,
  headers?: Headers,
): Response | Promise<Response> {
  const retryAfter = headers?.get("retry-after");
  if (retryAfter) c.header("Retry-After", retryAfter);
  const code = status as ContentfulStatusCode;
  if (c.req.path.startsWith("/api/")) return c.json({ error: message }, code);
  if (c.req.header("hx-request") === "true") return c.html(html`<span>${message}</span>`, code);
  return c.html(ErrorPage({ status, message }), code);
}
