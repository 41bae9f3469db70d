import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createLastKnownTallyReader } from "../core/last-known-tallies.ts";
import { describeError } from "../core/logger.ts";
import { ResultsUnavailableError, VotingUnavailableError } from "../core/ports.ts";
import type { AppDeps } from "./deps.ts";
import { respondWithError } from "./errors.tsx";
import { limitBody } from "./middleware/body-limit.ts";
import { crossSiteProtection } from "./middleware/cross-site.ts";
import { requestLog } from "./middleware/request-log.ts";
import { securityHeaders } from "./middleware/security-headers.ts";
import { createApiRoutes } from "./routes/api.ts";
import { createHealthRoutes } from "./routes/health.ts";
import { createResultRoutes } from "./routes/results.tsx";
import { createVoteRoutes } from "./routes/vote.tsx";
import { createRenderCache } from "./views/render-cache.ts";

export const MAX_BODY_BYTES = 4 * 1024;

/** Builds the Hono app both runtimes serve. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  // Rendered HTML belongs to this app: another app in the same process may have other polls.
  const render = createRenderCache();
  const readTallies = createLastKnownTallyReader(deps.readTallies, deps.logger);

  app.use(requestLog(deps.logger, deps.observer, deps.config.requestLog));
  app.use(securityHeaders());
  app.use(crossSiteProtection());
  app.on(["POST", "PUT", "PATCH", "DELETE"], "*", limitBody(MAX_BODY_BYTES));

  app.get("/", (c) => c.redirect("/vote"));
  app.route("/", createVoteRoutes(deps, render));
  app.route("/", createResultRoutes(deps, readTallies, render));
  app.route("/api", createApiRoutes(deps, readTallies));
  app.route("/", createHealthRoutes(deps));

  app.notFound((c) => respondWithError(c, 404, "Not found."));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      const message = error.status === 403 ? "Cross-site form posts are not accepted." : error.message;
      return respondWithError(c, error.status, message || "Bad request.", error.res?.headers);
    }
    if (error instanceof VotingUnavailableError) {
      deps.logger.warn("vote.unavailable", describeError(error));
      c.header("Retry-After", String(error.retryAfterSeconds));
      return respondWithError(c, 503, "Votes can't be taken right now; please try again in a few seconds.");
    }
    if (error instanceof ResultsUnavailableError) {
      c.header("Retry-After", "5");
      return respondWithError(c, 503, "The results can't be read right now; they will be back shortly.");
    }
    deps.logger.error("http.unhandled", { ...describeError(error), method: c.req.method, path: c.req.path });
    return respondWithError(c, 500, "Please try again in a moment.");
  });

  return app;
}
