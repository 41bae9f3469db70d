import { waitUntil } from "cloudflare:workers";
import type { Hono } from "hono";
import { ConfigError } from "../core/config.ts";
import { createJsonLogger, describeError } from "../core/logger.ts";
import { createApp } from "../http/app.ts";
import { createPostgresArchive } from "../postgres/archive.ts";
import { parseWebEnv } from "./config.ts";
import { createEdgeCachedTallyReader } from "./edge-cache.ts";
import { withHyperdrive } from "./hyperdrive.ts";
import { createHyperdrivePollArchive } from "./hyperdrive-polls.ts";
import { oncePerEnv } from "./once-per-env.ts";
import { createQueueBallotBox } from "./queue-ballot-box.ts";
import { createQueuePublisher } from "./queue-publisher.ts";
import { createUpstashChoiceRecorder, createUpstashClient, createUpstashVoteStore } from "./upstash.ts";
import { createUpstashPollStore } from "./upstash-poll-store.ts";
import { createUpstashRateLimiter } from "./upstash-rate-limiter.ts";

/** Hosts one isolate keeps an app for (a custom domain, workers.dev, a preview): a handful in practice. */
const MAX_HOSTS = 8;

/**
 * The web Worker's apps, wired to Upstash, the vote queue's shards and Hyperdrive:
 * one per host served, because the results cache keys its entries under the
 * host (the Cache API stores them in that zone); everything else is shared.
 */
const appsFor = oncePerEnv((env: Env) => {
  const config = parseWebEnv(env);
  const logger = createJsonLogger({ app: "vote-web", version: config.appVersion }, config.logLevel);
  const redis = createUpstashClient(config.upstashUrl, config.upstashToken);
  const store = createUpstashVoteStore(redis, config.redisPrefix);
  const ballotBox = createQueueBallotBox(
    createUpstashChoiceRecorder(redis, config.redisPrefix, config.voterStateTtlSeconds),
    createQueuePublisher(config.voteQueues),
    logger,
  );
  const readFromDatabase = (poll: string) =>
    withHyperdrive(env.HYPERDRIVE, (sql) => createPostgresArchive(sql).readTallies(poll));
  const pollStore = createUpstashPollStore(redis, config.redisPrefix, config.voterStateTtlSeconds);
  const pollArchive = createHyperdrivePollArchive(env.HYPERDRIVE);
  const pollCreateLimiter =
    config.pollCreateRateLimit > 0
      ? createUpstashRateLimiter(redis, config.redisPrefix, config.pollCreateRateLimit, {
          scope: "polls",
          window: "1 h",
        })
      : undefined;
  const apps = new Map<string, Hono>();

  return (origin: string): Hono => {
    let app = apps.get(origin);
    if (app) return app;
    app = createApp({
      config,
      store,
      ballotBox,
      readTallies: createEdgeCachedTallyReader(readFromDatabase, {
        cache: caches.default,
        origin,
        defer: waitUntil,
        onBackgroundError: (error) => logger.warn("results.cache_refresh_failed", describeError(error)),
      }),
      pollStore,
      pollArchive,
      ...(pollCreateLimiter ? { pollCreateLimiter } : {}),
      logger,
      hostname: "cloudflare",
      // Votes need Upstash and the queue only: PostgreSQL being away delays the tallies, never a vote.
      readiness: { redis: () => store.ping() },
      reported: { postgres: () => withHyperdrive(env.HYPERDRIVE, (sql) => createPostgresArchive(sql).ping()) },
      clientIp: (c) => c.req.header("cf-connecting-ip"),
    });
    if (apps.size >= MAX_HOSTS) apps.delete(apps.keys().next().value as string);
    apps.set(origin, app);
    return app;
  };
});

export default {
  async fetch(request, env, ctx) {
    let appFor: ReturnType<typeof appsFor>;
    try {
      appFor = appsFor(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(JSON.stringify({ level: "error", event: "config.invalid", problems: error.problems }));
      return new Response(`Configuration problems:\n${error.problems.map((p) => `  - ${p}`).join("\n")}\n`, {
        status: 500,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    return appFor(new URL(request.url).origin).fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
