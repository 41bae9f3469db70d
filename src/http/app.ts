import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { createLastKnownTallyReader } from "../core/last-known-tallies.ts";
import { describeError } from "../core/logger.ts";
import { createPollDirectory } from "../core/poll-directory.ts";
import { ResultsUnavailableError, VotingUnavailableError } from "../core/ports.ts";
import { createRandomness } from "../core/random.ts";
import type { AppDeps, AppServices } from "./deps.ts";
import { respondWithError } from "./errors.tsx";
import { limitBody } from "./middleware/body-limit.ts";
import { crossSiteProtection } from "./middleware/cross-site.ts";
import { requestLog } from "./middleware/request-log.ts";
import { createWebCryptoSigner } from "./middleware/voter-cookie.ts";
import { completeResponses } from "./responses.ts";
import { createApiRoutes } from "./routes/api.ts";
import { createHealthRoutes } from "./routes/health.ts";
import { createPollRoutes } from "./routes/polls.tsx";
import { createResultRoutes } from "./routes/results.tsx";
import { createVoteRoutes } from "./routes/vote.tsx";
import { createRenderCache } from "./views/render-cache.ts";

export const MAX_BODY_BYTES = 4 * 1024;
/** How long each process remembers a poll: a close takes effect everywhere within about this. */
const POLL_TTL_MS = 1_000;

/** Builds the Hono app both runtimes serve. */
export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const polls = createPollDirectory({
    defaultPoll: deps.config.polls.defaultPoll,
    store: deps.pollStore,
    reload: (id) => deps.pollArchive.readPoll(id),
    ttlMs: POLL_TTL_MS,
  });
  const services: AppServices = {
    deps,
    polls,
    readTallies: createLastKnownTallyReader(deps.readTallies, deps.logger),
    manage: {
      archive: deps.pollArchive,
      store: deps.pollStore,
      directory: polls,
      random: deps.random ?? createRandomness(),
      createLimiter: deps.pollCreateLimiter,
    },
    render: createRenderCache(),
    signer: deps.cookieSigner ?? createWebCryptoSigner(deps.config.cookieSecret),
  };

  app.use(requestLog(deps.logger, deps.observer, deps.config.requestLog));
  app.use(completeResponses());
  app.use(crossSiteProtection());
  app.on(["POST", "PUT", "PATCH", "DELETE"], "*", limitBody(MAX_BODY_BYTES));

  app.get("/", (c) => c.redirect("/vote"));
  app.route("/", createVoteRoutes(services));
  app.route("/", createResultRoutes(services));
  app.route("/", createPollRoutes(services));
  app.route("/api", createApiRoutes(services));
  app.route("/", createHealthRoutes(deps));

  app.notFound((c) => respondWithError(c, 404, "Not found."));

  app.onError((error, c) => {
    if (error instanceof HTTPException) {
      // hono's csrf middleware refuses with a bare 403.
      const crossSite = error.status === 403 && !error.message;
      const message = crossSite ? "Cross-site form posts are not accepted." : error.message;
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
