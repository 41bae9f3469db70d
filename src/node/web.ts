import { hostname } from "node:os";
import { createAdaptorServer } from "@hono/node-server";
import { usesDevCookieSecret } from "../core/config.ts";
import { buildWeb, LISTEN_BACKLOG, saveDefaultPoll } from "./compose.ts";
import { loadConfig } from "./config.ts";
import { openPostgres, whenPostgresAnswers } from "./database.ts";
import { exitOnListenError } from "./exit.ts";
import { createLogger } from "./logger.ts";
import { connectRedis, WEB_REDIS_QUEUE_LIMIT } from "./redis-client.ts";
import { onShutdown } from "./shutdown.ts";

// The web process (`npm run start:web`, the container's default command).
const config = loadConfig("web");
const logger = createLogger(config, "vote-web");
// Its adapters bound each wait for Redis themselves (answered()), more cheaply than node-redis does per
// command, and a Redis that is away can't make it queue commands without bound.
const redis = await connectRedis(config, logger, "web", { commandTimeoutMs: 0, queueLimit: WEB_REDIS_QUEUE_LIMIT });
// The consumer's notices of changed counts (src/node/tally-notices.ts): a subscribed connection does nothing else.
const subscriber = await connectRedis(config, logger, "web-notices");
// Votes need only Redis: the web starts without PostgreSQL and checks the schema once it answers.
const sql = openPostgres(config, "vote-web");
const schema = whenPostgresAnswers(sql, config, logger, () => saveDefaultPoll(config, sql));
if (usesDevCookieSecret(config)) logger.warn("config.dev_cookie_secret", { hint: "set COOKIE_SECRET in production" });
const web = buildWeb(
  config,
  { redis, sql, subscriber },
  { logger, hostname: hostname(), schemaOlder: schema.schemaOlder },
);

const server = createAdaptorServer({
  fetch: web.fetch,
  // Node closes an idle connection after 5 s by default, and a proxy that reuses it at that moment
  // gets a reset and answers 502: the proxy must be the one to close (see KEEP_ALIVE_TIMEOUT_MS).
  serverOptions: { keepAliveTimeout: config.keepAliveTimeoutMs, headersTimeout: config.keepAliveTimeoutMs + 1_000 },
});
server.listen({ port: config.port, host: "0.0.0.0", backlog: LISTEN_BACKLOG }, () => {
  logger.info("web.listening", { port: config.port, url: `http://localhost:${config.port}/vote` });
});
exitOnListenError(server, config.port);

onShutdown(logger, async () => {
  web.stopAccepting();
  // Give load balancers time to see /readyz fail before we stop accepting.
  await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.allSettled([redis.quit(), subscriber.quit(), sql.end({ timeout: 5 })]);
});
