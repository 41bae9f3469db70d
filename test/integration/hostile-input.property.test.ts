import { createJsonLogger } from "../../src/core/logger.ts";
import { buildConsumer, buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { describeHostileInput, type HostileTarget } from "../contract/hostile-input.ts";
import { createTestDatabase, createTestRedis } from "../helpers/services.ts";

// Property-based: fast-check throws every shape of body at the write routes
// of the Node web tier (its own database and key prefix per test), a consumer
// draining the stream into PostgreSQL, as in test/integration/http-node.test.ts.
async function openNodeTarget(): Promise<HostileTarget & { close(): Promise<void> }> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const config = parseNodeConfig({
    COOKIE_SECRET: "hostile-input-secret-0123456789",
    REDIS_PREFIX: redis.prefix,
    CONSUMER_NAME: "hostile",
    CONSUMER_BATCH_SIZE: "100",
    CONSUMER_CLAIM_IDLE_MS: "60000",
    POLL_CREATE_RATE_LIMIT: "0",
  });
  const logger = createJsonLogger({}, "error", () => {});
  const web = buildWeb(config, { redis: redis.client, sql: db.sql }, { logger, hostname: "hostile" });
  const reader = redis.client.duplicate();
  await reader.connect();
  const stop = new AbortController();
  const consumer = buildConsumer(config, { reader, redis: redis.client, sql: db.sql }, { logger, blockMs: 50 });
  const running = consumer.run(stop.signal);
  return {
    fetch: async (request) => web.fetch(request),
    database: (work) => work(db.sql),
    async close() {
      stop.abort();
      await running;
      await reader.quit();
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
}

describeHostileInput("Node: Redis Streams and PostgreSQL", openNodeTarget, { numRuns: 200 });
