import { withHyperdrive } from "../../src/adapters/hyperdrive.ts";
import { createPostgresArchive } from "../../src/adapters/postgres.ts";
import { parseAppConfig } from "../../src/config.ts";
import { processVotes } from "../../src/consumer.ts";
import { createJsonLogger, describeError } from "../../src/logger.ts";

/** Retry delays grow with the attempts: 2 s, 4 s, 8 s ... up to a minute. */
function backoffSeconds(attempts: number): number {
  return Math.min(60, 2 ** Math.max(1, attempts));
}

/**
 * The Cloudflare Queue consumer: the same processVotes as the Node consumer,
 * against PostgreSQL through Hyperdrive. A message is acknowledged only after
 * its batch committed. A database failure retries the whole batch with
 * backoff. A malformed or refused message is retried, never acknowledged, so
 * after max_retries the queue moves it to the dead-letter queue.
 */
export default {
  async queue(batch, env, _ctx: ExecutionContext) {
    const config = parseAppConfig(env);
    const logger = createJsonLogger({ app: "vote-consumer", version: config.appVersion }, config.logLevel);
    const started = Date.now();
    let outcomes;
    try {
      outcomes = await withHyperdrive(env.HYPERDRIVE, (sql) =>
        processVotes(batch.messages.map((message) => message.body), createPostgresArchive(sql), config.polls),
      );
    } catch (error) {
      const attempts = Math.max(...batch.messages.map((message) => message.attempts));
      logger.error("batch.retry", { ...describeError(error), size: batch.messages.length, attempts });
      batch.retryAll({ delaySeconds: backoffSeconds(attempts) });
      return;
    }
    let refused = 0;
    batch.messages.forEach((message, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) {
        message.ack();
        return;
      }
      refused++;
      logger.warn("vote.refused", {
        id: message.id,
        attempts: message.attempts,
        reason: outcome?.reason ?? "no outcome",
        next: "retry, then the dead-letter queue",
      });
      message.retry();
    });
    logger.info("batch.done", { size: batch.messages.length, refused, ms: Date.now() - started });
  },
} satisfies ExportedHandler<Env, unknown>;
