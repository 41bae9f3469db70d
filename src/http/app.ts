import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describeError } from "../core/logger.ts";
import { ResultsUnavailableError, TooManyRequestsError, UnavailableError } from "../core/ports.ts";
import { createUseCases } from "../core/use-cases.ts";
import type { AppDeps, AppServices } from "./deps.ts";
import { InvalidFieldError, respondWithError } from "./errors.tsx";
import { limitBody } from "./middleware/body-limit.ts";
import { crossSiteProtection } from "./middleware/cross-site.ts";
import { requestLog } from "./middleware/request-log.ts";
import { completeResponses } from "./responses.ts";
import { createApiRoutes } from "./routes/api.tsx";
import { createHealthRoutes } from "./routes/health.ts";
import { createPollRoutes } from "./routes/polls.tsx";
import { createPresentRoutes } from "./routes/present.tsx";
import { createResultRoutes } from "./routes/results.tsx";
import { createVoteRoutes } from "./routes/vote.tsx";
import { createRenderCache } from "./views/render-cache.ts";

export const MAX_BODY_BYTES = 4 * 1024;
/** Where votes are posted: a refusal there says so in the voter's words. */
const VOTE_PATHS = /^\/(vote|p\/[^/]+\/vote|api\/votes)$/;

/** Builds the Hono app both runtimes serve; the use cases are wired here, once. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const { config } = deps;
  const services: AppServices = {
    useCases: createUseCases({
      ...deps,
      defaultPoll: config.defaultPoll,
      voteLimits: { perAddress: config.voteRateLimit, perVoter: config.voterRateLimit },
    }),
    logger: deps.logger,
    config,
    signer: deps.cookieSigner,
    hostname: deps.hostname,
    clientAddress: deps.clientAddress ?? (() => undefined),
    render: createRenderCache(),
  };

  app.use(requestLog(deps.logger, deps.observer, config.requestLog));
  app.use(completeResponses());
  app.use(crossSiteProtection());
  app.on(["POST", "PUT", "PATCH", "DELETE"], "*", limitBody(MAX_BODY_BYTES));

  app.get("/", (c) => c.redirect("/vote"));
  app.route("/", createVoteRoutes(services));
  app.route("/", createResultRoutes(services));
  app.route("/", createPollRoutes(services));
  app.route("/", createPresentRoutes(services));
  app.route("/api", createApiRoutes(services));
  app.route("/", createHealthRoutes({ ...deps, rememberMs: deps.readinessRememberMs }));

  app.notFound((c) => respondWithError(c, 404, "Not found."));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // hono's csrf middleware refuses with a bare 403.
      const crossSite = error.status === 403 && !error.message;
      const message = crossSite ? "Cross-site form posts are not accepted." : error.message;
      const field = error instanceof InvalidFieldError ? error.field : undefined;
      return respondWithError(c, error.status, message || "Bad request.", error.res?.headers, field);
    }
    if (error instanceof UnavailableError) {
      const voting = c.req.method === "POST" && VOTE_PATHS.test(c.req.path);
      deps.logger.warn(voting ? "vote.unavailable" : "http.unavailable", { ...describeError(error), path: c.req.path });
      c.header("Retry-After", String(error.retryAfterSeconds));
      return respondWithError(
        c,
        503,
        voting
          ? "Votes can't be taken right now; please try again in a few seconds."
          : "This can't be done right now; please try again in a few seconds.",
      );
    }
    if (error instanceof TooManyRequestsError) {
      c.header("Retry-After", String(error.retryAfterSeconds));
      return respondWithError(c, 429, `${error.message} Try again in a minute.`);
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
