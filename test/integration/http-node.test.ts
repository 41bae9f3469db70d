import { createJsonLogger } from "../../src/core/logger.ts";
import { buildConsumer, buildWeb, RESULTS_TTL_MS } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { votersKey } from "../../src/redis/keys.ts";
import { describeHttpContract, type HttpTarget, sumOfVersions } from "../contract/http-contract.ts";
import { describePollsContract } from "../contract/polls-contract.ts";
import { createTestDatabase, createTestRedis, scanKeys } from "../helpers/services.ts";

async function openNodeTarget(): Promise<HttpTarget> {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const config = parseNodeConfig({
    COOKIE_SECRET: "contract-test-secret-0123456789",
    REDIS_PREFIX: redis.prefix,
    CONSUMER_NAME: "contract",
    CONSUMER_BATCH_SIZE: "100",
    CONSUMER_CLAIM_IDLE_MS: "60000",
  });
  const logger = createJsonLogger({}, "error", () => {});
  let skewMs = 0;
  const now = () => Date.now() + skewMs;
  const web = buildWeb(config, { redis: redis.client, sql: db.sql }, { logger, hostname: "contract", now });
  const reader = redis.client.duplicate();
  await reader.connect();
  const stop = new AbortController();
  const consumer = buildConsumer(config, { reader, redis: redis.client, sql: db.sql }, { logger, blockMs: 50 });
  const running = consumer.run(stop.signal);
  return {
    fetch: async (request) => web.fetch(request),
    acceptedVotes: () =>
      sumOfVersions(
        (pattern) => scanKeys(redis.client, pattern),
        (key) => redis.client.hGetAll(key),
        redis.prefix,
      ),
    async expireCachedResults() {
      skewMs += RESULTS_TTL_MS;
    },
    async forgetVoters() {
      const keys = await scanKeys(redis.client, votersKey(redis.prefix, "*"));
      if (keys.length > 0) await redis.client.del(keys);
    },
    async close() {
      stop.abort();
      await running;
      await reader.quit();
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
}

describeHttpContract("Node: createApp with Redis Streams and PostgreSQL", openNodeTarget);
describePollsContract("Node: createApp with Redis Streams and PostgreSQL", openNodeTarget);
