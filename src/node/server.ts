import { hostname } from "node:os";
import { serve } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { createApp } from "../app.ts";
import { createPostgresArchive } from "../adapters/postgres.ts";
import { createRedisRateLimiter, createRedisVoteStore } from "../adapters/redis.ts";
import { createStreamBallotBox } from "../adapters/redis-stream.ts";
import { usesDevCookieSecret } from "../config.ts";
import { createCachedTallyReader } from "../results-cache.ts";
import { createMetrics } from "./metrics.ts";
import { connectPostgres, connectRedis, createLogger, loadConfig, onShutdown } from "./runtime.ts";
import { serveStaticFiles } from "./static-files.ts";

const config = loadConfig("web");
const logger = createLogger(config, "vote-web");
const redis = await connectRedis(config, logger, "web");
const sql = await connectPostgres(config, "vote-web");
if (usesDevCookieSecret(config)) logger.warn("config.dev_cookie_secret", { hint: "set COOKIE_SECRET in production" });
const archive = createPostgresArchive(sql);
const metrics = createMetrics({ app: "vote-web", version: config.appVersion });
let accepting = true;

const app = createApp({
  config,
  store: createRedisVoteStore(redis, config.redisPrefix),
  ballotBox: createStreamBallotBox(redis, config.redisPrefix),
  readTallies: createCachedTallyReader(archive.readTallies, 1_000),
  logger,
  hostname: hostname(),
  readiness: { redis: () => redis.ping().then(() => {}), postgres: archive.ping },
  isAccepting: () => accepting,
  ...(config.voteRateLimit > 0
    ? { rateLimiter: createRedisRateLimiter(redis, config.redisPrefix, config.voteRateLimit) }
    : {}),
  clientIp,
  observer: metrics.observer,
});

const root = new Hono();
root.use(serveStaticFiles());
root.get("/metrics", async (c) => c.text(await metrics.registry.metrics(), 200, {
  "Content-Type": metrics.registry.contentType,
}));
root.route("/", app);

const server = serve({ fetch: root.fetch, port: config.port, hostname: "0.0.0.0" }, (info) => {
  logger.info("web.listening", { port: info.port, url: `http://localhost:${info.port}/vote` });
});

onShutdown(logger, async () => {
  accepting = false;
  // Give load balancers time to see /readyz fail before we stop accepting.
  await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.allSettled([redis.quit(), sql.end({ timeout: 5 })]);
});

/** The address the last trusted hop saw: the rightmost X-Forwarded-For entry, else the socket's peer. */
function clientIp(c: Context): string | undefined {
  const forwarded = c.req.header("x-forwarded-for");
  if (forwarded) return forwarded.split(",").at(-1)?.trim();
  return (c.env as { incoming?: { socket?: { remoteAddress?: string } } }).incoming?.socket?.remoteAddress;
}
