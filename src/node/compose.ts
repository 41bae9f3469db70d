import { Hono } from "hono";
import { createChallenges } from "../altcha/challenges.ts";
import { describeError } from "../core/logger.ts";
import { POLL_CREATE_WINDOW_MS } from "../core/manage-polls.ts";
import { createPollLookup } from "../core/poll-lookup.ts";
import type { Logger } from "../core/ports.ts";
import { createApp } from "../http/app.ts";
import { createHealthRoutes } from "../http/routes/health.ts";
import { createPostgresPollArchive } from "../postgres/poll-archive.ts";
import { createPostgresVoteArchive } from "../postgres/vote-archive.ts";
import { streamNames } from "../redis/keys.ts";
import { createBallotBox } from "./ballot-box.ts";
import { createClientAddress } from "./client-address.ts";
import type { NodeConfig } from "./config.ts";
import { createCookieSigner } from "./cookie-signer.ts";
import type { Sql } from "./database.ts";
import { createMetrics, createMetricsRoutes } from "./metrics.ts";
import { createPollStore } from "./poll-store.ts";
import { archiveEntries, createQueueConsumer, streamBacklog } from "./queue-consumer.ts";
import { createRateLimiter } from "./rate-limiter.ts";
import type { RedisClient } from "./redis-client.ts";
import { serveStaticFiles } from "./static-files.ts";
import { createTallyCache } from "./tally-cache.ts";
import { announcingChanges, listenForChanges } from "./tally-notices.ts";
import { createVoteStore } from "./vote-store.ts";

/** How long results are cached in each process (one query per poll per second, whatever the crowd). */
export const RESULTS_TTL_MS = 1_000;
/**
 * How soon after the consumer says a poll's counts changed they are read
 * again (src/node/tally-notices.ts): while votes flow, a poll costs up to
 * four queries a second per process, and a vote shows within about this
 * plus the consumer's batch (`BENCH_ONLY=freshness npm run bench`).
 */
export const RESULTS_REFRESH_AFTER_CHANGE_MS = 250;
/**
 * Connections the kernel may hold for the process before it accepts them.
 * Node's default, 511, overflowed when a room of a thousand pages connected
 * at once: the kernel dropped the SYNs past it, clients resent them after 1,
 * 3, 7, 15 s, and some waited past their 10 s timeout. The kernel caps this
 * at net.core.somaxconn (4096 by default since Linux 5.4, in a pod's own
 * network namespace too). `BENCH_ONLY=room npm run bench` measures the room.
 * Node (libuv) accepts one connection per turn of its event loop, so a
 * process already saturated drains this queue slowly: docs/capacity.md, "A
 * full room".
 */
export const LISTEN_BACKLOG = 4_096;
/** A consumer loop that hasn't turned for this long is stuck; liveness fails so Kubernetes restarts it. */
const STUCK_AFTER_MS = 60_000;

/** A composed process: what it serves over HTTP, and how to tell it that shutdown has begun. */
export interface Served {
  fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
  /** Every route it serves, as its Hono app lists them (the manifests route the public ones). */
  routes: readonly { method: string; path: string }[];
  /** Fails /readyz from now on (the first step of a graceful shutdown). */
  stopAccepting(): void;
}

/**
 * The web process: the app on Redis (vote store, stream ballot box, rate
 * limit) and PostgreSQL (results, cached per process), plus static files
 * and /metrics. The entry and the tests build it the same way.
 */
export function buildWeb(
  config: NodeConfig,
  connections: {
    redis: RedisClient;
    sql: Sql;
    /** A connection of its own for the consumer's notices of changed counts; without one, counts wait out the interval. */
    subscriber?: RedisClient;
  },
  options: {
    logger: Logger;
    hostname: string;
    pollTtlMs?: number;
    /** True while the database's schema is older than this code (a migration under way): not ready. */
    schemaOlder?: () => boolean;
    /** The results cache's clock; tests move it instead of waiting the cache out. */
    now?: () => number;
  },
): Served {
  const { redis, sql } = connections;
  const archive = createPostgresVoteArchive(sql);
  const metrics = createMetrics({ app: "vote-web", version: config.appVersion });
  metrics.trackDependency("postgres", archive.ping);
  let accepting = true;
  const readTallies = createTallyCache(archive.readTallies, {
    ttlMs: RESULTS_TTL_MS,
    refreshAfterChangeMs: RESULTS_REFRESH_AFTER_CHANGE_MS,
    ...(options.now ? { now: options.now } : {}),
  });
  if (connections.subscriber) {
    listenForChanges(connections.subscriber, config.redisPrefix, readTallies.changed, options.logger).catch(
      (error: unknown) => options.logger.warn("tallies.notices_unavailable", describeError(error)),
    );
  }
  const app = createApp({
    config,
    voteStore: createVoteStore(redis, config.redisPrefix),
    ballotBox: createBallotBox(redis, config.redisPrefix, config.voterStateTtlSeconds),
    readTallies,
    logger: options.logger,
    hostname: options.hostname,
    // Votes need only Redis; while PostgreSQL is away they wait in the stream and results show the last counts.
    readiness: {
      redis: () => redis.ping().then(() => {}),
      ...(options.schemaOlder ? { schema: async () => assertSchemaCurrent(options.schemaOlder) } : {}),
    },
    reported: { postgres: archive.ping },
    isAccepting: () => accepting,
    pollStore: createPollStore(redis, config.redisPrefix, config.voterStateTtlSeconds),
    pollArchive: createPostgresPollArchive(sql),
    ...(config.pollCreateRateLimit > 0
      ? {
          pollCreateLimiter: createRateLimiter(redis, config.redisPrefix, {
            scope: "polls",
            limit: config.pollCreateRateLimit,
            windowMs: POLL_CREATE_WINDOW_MS,
          }),
        }
      : {}),
    clientAddress: createClientAddress(config.trustedProxyHops),
    cookieSigner: createCookieSigner(config.cookieSecret),
    challenges: createChallenges(config.cookieSecret, config.challengeDifficulty),
    observer: metrics.observer,
    ...(options.pollTtlMs === undefined ? {} : { pollTtlMs: options.pollTtlMs }),
  });
  // On the app itself, so an unknown path still gets the app's 404 page.
  app.use("/static/*", serveStaticFiles());
  app.route("/", createMetricsRoutes(metrics));
  return {
    fetch: app.fetch,
    routes: app.routes.map(({ method, path }) => ({ method, path })),
    stopAccepting: () => {
      accepting = false;
    },
  };
}

/** The consumer process: the stream consumer into PostgreSQL, and its probes and /metrics. */
export interface ConsumerProcess extends Served {
  /** Runs until `signal` aborts; returns after the batch in hand is finished or abandoned. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The consumer: reads the stream on `reader` (its blocking reads get their
 * own connection, so probes and acknowledgements never wait behind them),
 * acknowledges on `redis`, writes through `sql`.
 */
export function buildConsumer(
  config: NodeConfig,
  connections: { reader: RedisClient; redis: RedisClient; sql: Sql },
  options: { logger: Logger; blockMs?: number },
): ConsumerProcess {
  const { reader, redis, sql } = connections;
  const { logger } = options;
  const names = streamNames(config.redisPrefix);
  const archive = createPostgresVoteArchive(sql);
  const metrics = createMetrics({ app: "vote-consumer", version: config.appVersion });
  metrics.trackBacklog(() => streamBacklog(redis, names));
  let lastHeartbeat = Date.now();
  let accepting = true;

  const consumer = createQueueConsumer({
    client: reader,
    acker: redis,
    names,
    consumer: config.consumerName,
    batchSize: config.consumerBatchSize,
    inFlight: config.consumerInFlight,
    claimIdleMs: config.consumerClaimIdleMs,
    ...(options.blockMs === undefined ? {} : { blockMs: options.blockMs }),
    logger,
    handle: archiveEntries({
      archive: announcingChanges(archive, redis, config.redisPrefix, logger),
      polls: pollsFromDatabase(config, sql),
    }),
    onBatch(batch) {
      metrics.recordBatch(batch);
      logger.info("batch.done", {
        size: batch.size,
        refused: batch.refused,
        dead: batch.deadLettered,
        ms: Math.round(batch.seconds * 1000),
      });
    },
    onHeartbeat() {
      lastHeartbeat = Date.now();
    },
  });

  const probes = new Hono();
  probes.route(
    "/",
    createHealthRoutes({
      readiness: { redis: () => redis.ping().then(() => {}), postgres: archive.ping },
      isAccepting: () => accepting,
      stuck: () => {
        const silentMs = Date.now() - lastHeartbeat;
        return silentMs < STUCK_AFTER_MS ? undefined : { silentMs };
      },
    }),
  );
  probes.route("/", createMetricsRoutes(metrics));

  return {
    run: (signal) => consumer.run(signal),
    fetch: probes.fetch,
    routes: probes.routes.map(({ method, path }) => ({ method, path })),
    stopAccepting: () => {
      accepting = false;
    },
  };
}

function assertSchemaCurrent(schemaOlder: (() => boolean) | undefined): void {
  if (schemaOlder?.()) throw new Error("the database's schema is older than this code");
}

/** The consumer's view of the polls: straight from PostgreSQL, each remembered for a second. */
function pollsFromDatabase(config: NodeConfig, sql: Sql) {
  const archive = createPostgresPollArchive(sql);
  return createPollLookup({ defaultPoll: config.defaultPoll, source: archive, ttlMs: 1_000 });
}

/** Writes the configured default poll (OPTION_A, OPTION_B) to PostgreSQL: a poll like any other there. */
export async function saveDefaultPoll(config: NodeConfig, sql: Sql): Promise<void> {
  await createPostgresPollArchive(sql).savePoll(config.defaultPoll);
}
