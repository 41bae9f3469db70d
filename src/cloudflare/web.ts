import { waitUntil } from "cloudflare:workers";
import type { Hono } from "hono";
import { createChallenges } from "../altcha/challenges.ts";
import { ConfigError } from "../core/config.ts";
import { createJsonLogger, describeError } from "../core/logger.ts";
import { POLL_CREATE_WINDOW_MS } from "../core/manage-polls.ts";
import { createApp } from "../http/app.ts";
import { createPostgresVoteArchive } from "../postgres/vote-archive.ts";
import { createBallotBox } from "./ballot-box.ts";
import { createChoiceRecorder } from "./choice-recorder.ts";
import { createClientAddress } from "./client-address.ts";
import { parseWebEnv } from "./config.ts";
import { createCookieSigner } from "./cookie-signer.ts";
import { createHyperdrivePollArchive, withHyperdrive } from "./database.ts";
import { oncePerEnv } from "./once-per-env.ts";
import { createPollStore } from "./poll-store.ts";
import { createQueuePublisher } from "./queue-publisher.ts";
import { createRateLimiter } from "./rate-limiter.ts";
import { createRedisClient } from "./redis-client.ts";
import { createTallyCache } from "./tally-cache.ts";
import { createVoteStore } from "./vote-store.ts";

/**
 * How long a data centre reuses a poll's counts: a crowd there costs about
 * two queries a second, and a vote shows within about this plus the queue's
 * batching (max_batch_timeout in workers/consumer/wrangler.toml).
 */
const RESULTS_FRESH_MS = 500;

/** /readyz checks Upstash and Hyperdrive at most this often per isolate: each check is a paid request. */
const READINESS_REMEMBER_MS = 5_000;

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
  const redis = createRedisClient(config.upstashUrl, config.upstashToken);
  const voteStore = createVoteStore(redis, config.redisPrefix);
  const ballotBox = createBallotBox(
    createChoiceRecorder(redis, config.redisPrefix, config.voterStateTtlSeconds),
    createQueuePublisher(config.voteQueues),
    logger,
  );
  const readFromDatabase = (poll: string) =>
    withHyperdrive(env.HYPERDRIVE, (sql) => createPostgresVoteArchive(sql).readTallies(poll));
  const pollStore = createPollStore(redis, config.redisPrefix, config.voterStateTtlSeconds);
  const pollArchive = createHyperdrivePollArchive(env.HYPERDRIVE);
  const pollCreateLimiter =
    config.pollCreateRateLimit > 0
      ? createRateLimiter(redis, config.redisPrefix, {
          scope: "polls",
          limit: config.pollCreateRateLimit,
          windowMs: POLL_CREATE_WINDOW_MS,
        })
      : undefined;
  const cookieSigner = createCookieSigner(config.cookieSecret);
  const challenges = createChallenges(config.cookieSecret, config.challengeDifficulty);
  const clientAddress = createClientAddress();
  const apps = new Map<string, Hono>();

  return (origin: string): Hono => {
    let app = apps.get(origin);
    if (app) return app;
    app = createApp({
      config,
      voteStore,
      ballotBox,
      readTallies: createTallyCache(readFromDatabase, {
        cache: caches.default,
        origin,
        freshMs: RESULTS_FRESH_MS,
        defer: waitUntil,
        onBackgroundError: (error) => logger.warn("results.cache_refresh_failed", describeError(error)),
      }),
      pollStore,
      pollArchive,
      ...(pollCreateLimiter ? { pollCreateLimiter } : {}),
      logger,
      hostname: "cloudflare",
      // Votes need Upstash and the queue only: PostgreSQL being away delays the tallies, never a vote.
      readiness: { redis: () => voteStore.ping() },
      readinessRememberMs: READINESS_REMEMBER_MS,
      reported: { postgres: () => withHyperdrive(env.HYPERDRIVE, (sql) => createPostgresVoteArchive(sql).ping()) },
      clientAddress,
      cookieSigner,
      challenges,
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
