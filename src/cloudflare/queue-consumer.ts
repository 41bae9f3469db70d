import { type AppConfig, ConfigReader, type ConfigSource, readAppConfig } from "../core/config.ts";
import { createJsonLogger, describeError } from "../core/logger.ts";
import { createPollDirectory } from "../core/poll-directory.ts";
import type { Logger } from "../core/ports.ts";
import { processVotes, type VoteOutcome } from "../core/process-votes.ts";
import { createPostgresArchive } from "../postgres/archive.ts";
import { createPostgresPollArchive } from "../postgres/polls.ts";
import { withHyperdrive } from "./hyperdrive.ts";
import { oncePerEnv } from "./once-per-env.ts";
import { shardBinding, shardOfQueue } from "./queue-shards.ts";

/** The consumer Worker's bindings (its `Env` is generated from workers/consumer/wrangler.toml). */
export interface ConsumerBindings extends ConfigSource {
  HYPERDRIVE: Hyperdrive;
  /**
   * Producer binding to the `votes` queue (shard 0): ballots go back to the
   * queue they came from, as new messages, during a long outage; those of a
   * shard without a producer binding here (VOTES_1, ...) and dead letters go to `votes`.
   */
  VOTES: Queue;
}

/** The dead-letter queue's name, as in workers/consumer/wrangler.toml: its batches are the last stop. */
export const DEAD_LETTER_QUEUE = "votes-dead";

/**
 * Deliveries of a batch the database failed that are retried in place
 * (after 2, 4, 8, 16 s) before its ballots are handed back to the queue.
 * Each retry counts toward max_retries (10 for `votes`), so this stays well
 * below it: a database outage never dead-letters a ballot.
 */
export const FAST_RETRIES = 4;

/** Longest wait between two tries of a message that keeps failing here. */
const MAX_RETRY_DELAY_SECONDS = 300;

/** Messages per sendBatch call (the platform's limit). */
const SEND_BATCH_LIMIT = 100;

interface ConsumerSettings {
  config: AppConfig;
  logger: Logger;
  /** How long ballots handed back to the queue wait for their next delivery (REQUEUE_DELAY_SECONDS). */
  requeueDelaySeconds: number;
}

const settingsFor = oncePerEnv((env: ConsumerBindings): ConsumerSettings => {
  const read = new ConfigReader(env);
  const config = readAppConfig(read, env, false);
  // At most 12 hours: the longest delay the queue accepts.
  const requeueDelaySeconds = read.integer("REQUEUE_DELAY_SECONDS", 300, 0, 43_200);
  read.finish();
  const logger = createJsonLogger({ app: "vote-consumer", version: config.appVersion }, config.logLevel);
  return { config, logger, requeueDelaySeconds };
});

/** The default poll (OPTION_A, OPTION_B) is written to PostgreSQL once per isolate, like a Node process at start-up. */
const defaultPollSaved = new WeakSet<object>();
async function saveDefaultPollOnce(env: object, save: () => Promise<void>): Promise<void> {
  if (defaultPollSaved.has(env)) return;
  await save();
  defaultPollSaved.add(env);
}

function backoffSeconds(attempts: number): number {
  return Math.min(MAX_RETRY_DELAY_SECONDS, 2 ** Math.max(1, attempts));
}

/**
 * The Cloudflare Queue consumer: the same processVotes as the Node consumer,
 * against PostgreSQL through Hyperdrive, for every shard of the vote queue
 * and for the dead letters.
 *
 * `votes` and its other shards (`votes-1`, ...), all alike: a message is
 * acknowledged only after its batch committed. A malformed or refused
 * message is retried with backoff, never acknowledged, so after max_retries
 * the queue moves it to `votes-dead`. A database failure (outage, deadlock,
 * Hyperdrive's pool exhausted) retries the batch a few times in place, then
 * sends its messages back to the queue they came from as new, delayed ones
 * and acknowledges the originals once that send succeeded, which starts
 * their attempts again: an outage of any length costs deliveries, never
 * ballots.
 *
 * `votes-dead`: whatever got there is replayed. Valid ballots are applied
 * (writes are idempotent: a ballot already counted changes nothing);
 * anything else is logged in full at error level and acknowledged. While the
 * database is away, dead letters go back to `votes` the same way.
 */
export async function consumeVotes(batch: MessageBatch<unknown>, env: ConsumerBindings): Promise<void> {
  const settings = settingsFor(env);
  const { config, logger } = settings;
  const deadLetters = batch.queue === DEAD_LETTER_QUEUE;
  const started = Date.now();
  let outcomes: VoteOutcome[];
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
    await retryLater(batch, env, settings, error);
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
    const reason = outcome?.reason ?? "no outcome";
    if (deadLetters) {
      // The last stop: this line is the ballot's only remaining record.
      logger.error("vote.discarded", { id: message.id, attempts: message.attempts, reason, body: message.body });
      message.ack();
      return;
    }
    logger.warn("vote.refused", {
      id: message.id,
      attempts: message.attempts,
      reason,
      next: "retry, then the dead-letter queue",
    });
    message.retry({ delaySeconds: backoffSeconds(message.attempts) });
  });
  logger.info("batch.done", { queue: batch.queue, size: batch.messages.length, refused, ms: Date.now() - started });
}

/**
 * The database failed the batch: retry it in place while attempts are few,
 * then hand its messages back to their queue. All of them: without the database
 * no ballot can be judged (its poll lives there), and what turns out
 * malformed later takes the usual way to the dead letters.
 */
async function retryLater(
  batch: MessageBatch<unknown>,
  env: ConsumerBindings,
  { logger, requeueDelaySeconds }: ConsumerSettings,
  error: unknown,
): Promise<void> {
  const size = batch.messages.length;
  const attempts = Math.max(...batch.messages.map((message) => message.attempts));
  if (attempts <= FAST_RETRIES) {
    const delaySeconds = backoffSeconds(attempts);
    logger.error("batch.retry", { ...describeError(error), queue: batch.queue, size, attempts, delaySeconds });
    batch.retryAll({ delaySeconds });
    return;
  }
  const queue = requeueTarget(batch.queue, env);
  try {
    for (let i = 0; i < size; i += SEND_BATCH_LIMIT) {
      await queue.sendBatch(
        batch.messages
          .slice(i, i + SEND_BATCH_LIMIT)
          .map((message) => ({ body: message.body, contentType: "json" as const })),
        { delaySeconds: requeueDelaySeconds },
      );
    }
  } catch (sendError) {
    // The queue refused too: keep the messages here. Any already re-sent come back twice, which changes nothing.
    const delaySeconds = backoffSeconds(attempts);
    logger.error("batch.requeue_failed", {
      ...describeError(sendError),
      cause: describeError(error),
      queue: batch.queue,
      size,
      attempts,
      delaySeconds,
    });
    batch.retryAll({ delaySeconds });
    return;
  }
  logger.error("batch.requeued", {
    ...describeError(error),
    queue: batch.queue,
    size,
    attempts,
    delaySeconds: requeueDelaySeconds,
  });
  batch.ackAll();
}

/** Where a batch's ballots go back to: their own shard when this Worker can send there, else `votes`. */
function requeueTarget(queue: string, env: ConsumerBindings): Queue {
  const shard = shardOfQueue(queue) ?? 0;
  return (env as unknown as Record<string, Queue | undefined>)[shardBinding(shard)] ?? env.VOTES;
}
