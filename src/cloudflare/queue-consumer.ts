import type { ConfigSource } from "../core/config.ts";
import { createJsonLogger, describeError } from "../core/logger.ts";
import { createPollLookup } from "../core/poll-lookup.ts";
import type { Logger } from "../core/ports.ts";
import { processVotes, reportVerdicts, type Verdict } from "../core/process-votes.ts";
import { describeRefusal } from "../domain/ballots.ts";
import { createPostgresPollArchive } from "../postgres/poll-archive.ts";
import { createPostgresVoteArchive } from "../postgres/vote-archive.ts";
import { type ConsumerConfig, parseConsumerEnv } from "./config.ts";
import { withHyperdrive } from "./database.ts";
import { oncePerEnv } from "./once-per-env.ts";
import { DEAD_LETTER_QUEUE, shardBinding, shardOfQueue } from "./queue-shards.ts";
import { FAST_RETRIES, retryDelaySeconds, withJitter } from "./retries.ts";

/** The consumer Worker's bindings (its `Env` is generated from workers/consumer/wrangler.toml). */
export interface ConsumerBindings extends ConfigSource {
  HYPERDRIVE: Hyperdrive;
  /**
   * Producer binding to the `votes` queue (shard 0): ballots go back to the
   * queue they came from, as new messages, during a long outage; those of a
   * shard without a producer binding here (VOTES_1, ...) and dead letters go to `votes`.
   */
  VOTES: Queue;
  /**
   * Producer binding to the dead-letter queue: what can never be applied goes
   * there at once. Without it, such a message is retried until the queue
   * moves it there itself (max_retries).
   */
  VOTES_DEAD?: Queue;
}

/** Messages per sendBatch call (the platform's limit). */
const SEND_BATCH_LIMIT = 100;

interface ConsumerSettings {
  config: ConsumerConfig;
  logger: Logger;
}

const settingsFor = oncePerEnv((env: ConsumerBindings): ConsumerSettings => {
  const config = parseConsumerEnv(env);
  const logger = createJsonLogger({ app: "vote-consumer", version: config.appVersion }, config.logLevel);
  return { config, logger };
});

/** The default poll (OPTION_A, OPTION_B) is written to PostgreSQL once per isolate, like a Node process at start-up. */
const defaultPollSaved = new WeakSet<object>();
async function saveDefaultPollOnce(env: object, save: () => Promise<void>): Promise<void> {
  if (defaultPollSaved.has(env)) return;
  await save();
  defaultPollSaved.add(env);
}

/**
 * The Cloudflare Queue consumer: the same batch decision as the Node
 * consumer (core/process-votes.ts), against PostgreSQL through Hyperdrive,
 * for every shard of the vote queue and for the dead letters. It only
 * carries the verdicts out:
 *
 * - applied, refused (a ballot whose poll closed first): acknowledged; a
 *   refusal is logged once and never retried;
 * - dead-letter: sent to `votes-dead` with its reason, then acknowledged;
 *   on `votes-dead` itself, the last stop, it is logged in full at error
 *   level and acknowledged;
 * - retry (the database failed): retried in place a few times, then sent
 *   back to the queue it came from as new, delayed messages, the originals
 *   acknowledged once that send succeeded, which starts their attempts
 *   again: an outage of any length costs deliveries, never ballots.
 *
 * `votes-dead` is replayed like any shard: valid ballots are applied (writes
 * are idempotent, so a ballot already counted changes nothing). While the
 * database is away, dead letters go back to `votes`.
 */
export async function consumeVotes(batch: MessageBatch<unknown>, env: ConsumerBindings): Promise<void> {
  const settings = settingsFor(env);
  const { config, logger } = settings;
  const lastStop = batch.queue === DEAD_LETTER_QUEUE;
  const started = Date.now();
  const messages = batch.messages;
  let verdicts: Verdict[];
  try {
    verdicts = await withHyperdrive(env.HYPERDRIVE, async (sql) => {
      // Polls come straight from PostgreSQL here: the consumer writes there anyway.
      const polls = createPostgresPollArchive(sql);
      await saveDefaultPollOnce(env, () => polls.savePoll(config.defaultPoll));
      return await processVotes(
        messages.map((message) => message.body),
        {
          archive: createPostgresVoteArchive(sql),
          polls: createPollLookup({ defaultPoll: config.defaultPoll, source: polls, ttlMs: 0 }),
        },
      );
    });
  } catch (cause) {
    verdicts = messages.map(() => ({ action: "retry", cause }));
  }
  const retrying: Message<unknown>[] = [];
  const dead: { message: Message<unknown>; reason: string }[] = [];
  messages.forEach((message, i) => {
    const verdict = verdicts[i] ?? { action: "retry", cause: new Error("no verdict") };
    if (verdict.action === "retry") retrying.push(message);
    else if (verdict.action === "dead-letter") dead.push({ message, reason: describeRefusal(verdict.refusal) });
    else message.ack();
  });
  if (lastStop) {
    for (const { message, reason } of dead) {
      // The last stop: this line is the ballot's only remaining record.
      logger.error("vote.discarded", { id: message.id, attempts: message.attempts, reason, body: message.body });
      message.ack();
    }
  } else if (dead.length > 0) {
    await deadLetter(dead, env.VOTES_DEAD, settings);
  }
  if (retrying.length > 0) await retryLater(batch, retrying, env, settings, firstCause(verdicts));
  // On the last stop what can't be applied was logged as discarded above, not dead-lettered again.
  const reported = verdicts.map((verdict, i) => ({ verdict, id: messages[i]?.id ?? "" }));
  const kept = lastStop ? reported.filter(({ verdict }) => verdict.action !== "dead-letter") : reported;
  const counts = reportVerdicts(
    logger,
    kept.map(({ verdict }) => verdict),
    kept.map(({ id }) => id),
  );
  logger.info("batch.done", {
    queue: batch.queue,
    size: messages.length,
    refused: counts.refused,
    dead: lastStop ? 0 : counts.deadLettered,
    discarded: lastStop ? dead.length : 0,
    retried: counts.retried,
    ms: Date.now() - started,
  });
}

function firstCause(verdicts: readonly Verdict[]): unknown {
  for (const verdict of verdicts) if (verdict.action === "retry") return verdict.cause;
  return undefined;
}

/** Sends what can never be applied to `votes-dead`, with its reason, and acknowledges it; retried if the send fails. */
async function deadLetter(
  dead: readonly { message: Message<unknown>; reason: string }[],
  deadLetters: Queue | undefined,
  { logger }: ConsumerSettings,
): Promise<void> {
  try {
    if (!deadLetters) throw new Error("no VOTES_DEAD binding: the queue dead-letters after max_retries");
    for (let i = 0; i < dead.length; i += SEND_BATCH_LIMIT) {
      await deadLetters.sendBatch(
        dead
          .slice(i, i + SEND_BATCH_LIMIT)
          .map(({ message }) => ({ body: message.body, contentType: "json" as const })),
      );
    }
  } catch (error) {
    for (const { message } of dead) message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    logger.error("vote.dead_letter_failed", { ...describeError(error), size: dead.length });
    return;
  }
  for (const { message } of dead) message.ack();
}

/**
 * The database failed these messages: retry them in place while attempts
 * are few, then hand them back to their queue. Without the database no
 * ballot can be judged (its poll lives there), and what turns out malformed
 * later takes the usual way to the dead letters.
 */
async function retryLater(
  batch: MessageBatch<unknown>,
  messages: readonly Message<unknown>[],
  env: ConsumerBindings,
  { logger, config }: ConsumerSettings,
  error: unknown,
): Promise<void> {
  const queueName = batch.queue;
  const size = messages.length;
  const attempts = Math.max(...messages.map((message) => message.attempts));
  // The whole batch (the usual case: the database failed it) in one call each way.
  const whole = size === batch.messages.length;
  const retryAll = (delaySeconds: number) => {
    if (whole) batch.retryAll({ delaySeconds });
    else for (const message of messages) message.retry({ delaySeconds });
  };
  if (attempts <= FAST_RETRIES) {
    const delaySeconds = retryDelaySeconds(attempts);
    logger.error("batch.retry", { ...describeError(error), queue: queueName, size, attempts, delaySeconds });
    retryAll(delaySeconds);
    return;
  }
  const queue = requeueTarget(queueName, env);
  const requeueDelaySeconds = config.requeueDelaySeconds === 0 ? 0 : withJitter(config.requeueDelaySeconds);
  try {
    for (let i = 0; i < size; i += SEND_BATCH_LIMIT) {
      await queue.sendBatch(
        messages
          .slice(i, i + SEND_BATCH_LIMIT)
          .map((message) => ({ body: message.body, contentType: "json" as const })),
        { delaySeconds: requeueDelaySeconds },
      );
    }
  } catch (sendError) {
    // The queue refused too: keep the messages here. Any already re-sent come back twice, which changes nothing.
    const delaySeconds = retryDelaySeconds(attempts);
    logger.error("batch.requeue_failed", {
      ...describeError(sendError),
      cause: describeError(error),
      queue: queueName,
      size,
      attempts,
      delaySeconds,
    });
    retryAll(delaySeconds);
    return;
  }
  logger.error("batch.requeued", {
    ...describeError(error),
    queue: queueName,
    size,
    attempts,
    delaySeconds: requeueDelaySeconds,
  });
  if (whole) batch.ackAll();
  else for (const message of messages) message.ack();
}

/** Where a batch's ballots go back to: their own shard when this Worker can send there, else `votes`. */
function requeueTarget(queue: string, env: ConsumerBindings): Queue {
  const shard = shardOfQueue(queue) ?? 0;
  return (env as unknown as Record<string, Queue | undefined>)[shardBinding(shard)] ?? env.VOTES;
}
