import { ConfigError } from "../core/config.ts";
import { createJsonLogger } from "../core/logger.ts";
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

/** The web Worker's app, wired to Upstash, the VOTES queue and Hyperdrive. */
const appFor = oncePerEnv((env: Env) => {
  const config = parseWebEnv(env);
  const logger = createJsonLogger({ app: "vote-web", version: config.appVersion }, config.logLevel);
  const redis = createUpstashClient(config.upstashUrl, config.upstashToken);
  const store = createUpstashVoteStore(redis, config.redisPrefix);
  const readFromDatabase = (poll: string) =>
    withHyperdrive(env.HYPERDRIVE, (sql) => createPostgresArchive(sql).readTallies(poll));
  return createApp({
    config,
    store,
    ballotBox: createQueueBallotBox(
      createUpstashChoiceRecorder(redis, config.redisPrefix, config.voterStateTtlSeconds),
      createQueuePublisher(env.VOTES),
    ),
    readTallies: createEdgeCachedTallyReader(readFromDatabase, caches.default),
    pollStore: createUpstashPollStore(redis, config.redisPrefix, config.voterStateTtlSeconds),
    pollArchive: createHyperdrivePollArchive(env.HYPERDRIVE),
    ...(config.pollCreateRateLimit > 0
      ? {
          pollCreateLimiter: createUpstashRateLimiter(redis, config.redisPrefix, config.pollCreateRateLimit, {
            scope: "polls",
            window: "1 h",
          }),
        }
      : {}),
    logger,
    hostname: "cloudflare",
    readiness: {
      redis: () => store.ping(),
      postgres: () => withHyperdrive(env.HYPERDRIVE, (sql) => createPostgresArchive(sql).ping()),
    },

    clientIp: (c) => c.req.header("cf-connecting-ip"),
  });
});

export default {
  async fetch(request, env, ctx) {
    let app: ReturnType<typeof appFor>;
    try {
      app = appFor(env);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      console.error(JSON.stringify({ level: "error", event: "config.invalid", problems: error.problems }));
      return new Response(`Configuration problems:\n${error.problems.map((p) => `  - ${p}`).join("\n")}\n`, {
        status: 500,
        headers: { "Content-Type": "text/plain; charset=utf-8" },
      });
    }
    return app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<Env>;
