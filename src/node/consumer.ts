import { serve } from "@hono/node-server";
import { streamNames } from "../redis/keys.ts";
import { buildConsumer, saveDefaultPoll } from "./compose.ts";
import { loadConfig } from "./config.ts";
import { connectPostgres } from "./database.ts";
import { exitOnListenError } from "./exit.ts";
import { createLogger } from "./logger.ts";
import { connectRedis } from "./redis-client.ts";
import { onShutdown } from "./shutdown.ts";

// The consumer process (`npm run start:consumer`): the Redis Stream into PostgreSQL.
const config = loadConfig("consumer");
const logger = createLogger(config, "vote-consumer");
const reader = await connectRedis(config, logger, "consumer-reader");
const redis = await connectRedis(config, logger, "consumer");
const sql = await connectPostgres(config, "vote-consumer");
await saveDefaultPoll(config, sql);
const consumer = buildConsumer(config, { reader, redis, sql }, { logger });
const server = serve({ fetch: consumer.fetch, port: config.port, hostname: "0.0.0.0" });
exitOnListenError(server, config.port);

const stop = new AbortController();
const running = consumer.run(stop.signal);
logger.info("consumer.started", {
  consumer: config.consumerName,
  stream: streamNames(config.redisPrefix).stream,
  port: config.port,
});

onShutdown(logger, async () => {
  consumer.stopAccepting();
  stop.abort();
  await running;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await Promise.allSettled([reader.quit(), redis.quit(), sql.end({ timeout: 5 })]);
});
