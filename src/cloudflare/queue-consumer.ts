import { type AppConfig, type ConfigSource, parseAppConfig } from "../core/config.ts";
import { createJsonLogger, describeError } from "../core/logger.ts";
import { createPollDirectory } from "../core/poll-directory.ts";
import type { Logger } from "../core/ports.ts";
import { processVotes } from "../core/process-votes.ts";
import { createPostgresArchive } from "../postgres/archive.ts";
import { createPostgresPollArchive } from "../postgres/polls.ts";
import { withHyperdrive } from "./hyperdrive.ts";
import { oncePerEnv } from "./once-per-env.ts";

/** The consumer Worker's bindings (its `Env` is generated from workers/consumer/wrangler.toml). */
export interface ConsumerBindings extends ConfigSource {
  HYPERDRIVE: Hyperdrive;
}

/** Retry delays grow with the attempts: 2 s, 4 s, 8 s ... up to a minute. */
function backoffSeconds(attempts: number): number {
  return Math.min(60, 2 ** Math.max(1, attempts));
}

const settingsFor = oncePerEnv((env: ConsumerBindings): { config: AppConfig; logger: Logger } => {
  const config = parseAppConfig(env);
  return { config, logger: createJsonLogger({ app: "vote-consumer", version: config.appVersion }, config.logLevel) };
});

/** The default poll (OPTION_A, OPTION_B) is written to PostgreSQL once per isolate, like a Node process at start-up. */
const defaultPollSaved = new WeakSet<object>();
async function saveDefaultPollOnce(env: object, save: () => Promise<void>): Promise<void> {
  if (defaultPollSaved.has(env)) return;
  await save();
  defaultPollSaved.add(env);
}

/**
 * The Cloudflare Queue consumer: the same processVotes as the Node consumer,
 * against PostgreSQL through Hyperdrive. A message is acknowledged only after
 * its batch committed. A database failure retries the whole batch with
 * backoff. A malformed or refused message is retried, never acknowledged, so
 * after max_retries the queue moves it to the dead-letter queue.
 */
export async function consumeVotes(batch: MessageBatch<unknown>, env: ConsumerBindings): Promise<void> {
  const { config, logger } = settingsFor(env);
  const started = Date.now();
  let outcomes: Awaited<ReturnType<typeof processVotes>>;
  try {
    outcomes = await withHyperdrive(env.HYPERDRIVE, async (sql) => {
      // Polls come straight from PostgreSQL here: the consumer writes there anyway.
      const polls = createPostgresPollArchive(sql);
      await saveDefaultPollOnce(env, () => polls.savePoll(config.polls.defaultPoll));
      return await processVotes(
        batch.messages.map((message) => message.body),
        createPostgresArchive(sql),
        createPollDirectory({ defaultPoll: config.polls.defaultPoll, store: polls, ttlMs: 0 }),
      );
    });
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
}
