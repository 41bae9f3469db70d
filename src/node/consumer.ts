import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createPostgresArchive } from "../adapters/postgres.ts";
import { createStreamConsumer, deadLettersFrom, streamBacklog, streamNames } from "../adapters/redis-stream.ts";
import { processVotes } from "../consumer.ts";
import { createMetrics } from "./metrics.ts";
import { connectPostgres, connectRedis, createLogger, loadConfig, onShutdown } from "./runtime.ts";

/** A loop that hasn't turned for this long is stuck; liveness fails so Kubernetes restarts us. */
const STUCK_AFTER_MS = 60_000;

const config = loadConfig("consumer");
const logger = createLogger(config, "vote-consumer");
const names = streamNames(config.redisPrefix);
// The blocking read gets its own connection so probes and metrics never wait behind it.
const reader = await connectRedis(config, logger, "consumer-reader");
const redis = await connectRedis(config, logger, "consumer");
const sql = await connectPostgres(config, "vote-consumer");
const archive = createPostgresArchive(sql);
const metrics = createMetrics({ app: "vote-consumer", version: config.appVersion });
metrics.trackBacklog(() => streamBacklog(redis, names));

let lastHeartbeat = Date.now();
const consumer = createStreamConsumer({
  client: reader,
  acker: redis,
  names,
  consumer: config.consumerName,
  batchSize: config.consumerBatchSize,
  claimIdleMs: config.consumerClaimIdleMs,
  logger,
  async handle(entries) {
    return deadLettersFrom(entries, await processVotes(entries.map((entry) => entry.body), archive, config.polls));
  },
  onBatch(batch) {
    metrics.recordBatch(batch);
    logger.info("batch.done", { size: batch.size, dead: batch.dead, ms: Math.round(batch.seconds * 1000) });
  },
  onHeartbeat() {
    lastHeartbeat = Date.now();
  },
});

let accepting = true;
const probes = new Hono();
probes.get("/healthz", (c) => {
  const silentMs = Date.now() - lastHeartbeat;
  return silentMs < STUCK_AFTER_MS ? c.json({ status: "ok" }) : c.json({ status: "stuck", silentMs }, 503);
});
probes.get("/readyz", async (c) => {
  if (!accepting) return c.json({ status: "shutting down" }, 503);
  try {
    await Promise.all([redis.ping(), archive.ping()]);
    return c.json({ status: "ready" });
  } catch {
    return c.json({ status: "not ready" }, 503);
  }
});
probes.get("/metrics", async (c) =>
  c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }),
);
const server = serve({ fetch: probes.fetch, port: config.port, hostname: "0.0.0.0" });

const stop = new AbortController();
const running = consumer.run(stop.signal);
logger.info("consumer.started", { consumer: config.consumerName, stream: names.stream, port: config.port });

onShutdown(logger, async () => {
  accepting = false;
  stop.abort();
  await running;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.allSettled([reader.quit(), redis.quit(), sql.end({ timeout: 5 })]);
});
