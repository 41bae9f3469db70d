import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import {
  DEAD_LETTER_BINDING,
  DEAD_LETTER_QUEUE,
  shardBinding,
  shardQueueName,
} from "../../src/cloudflare/queue-shards.ts";
import { FAST_RETRIES, MAX_RETRY_DELAY_SECONDS, retryDelaySeconds } from "../../src/cloudflare/retries.ts";
import { SETTINGS } from "../../src/core/config.ts";

const read = (path: string) =>
  unstable_readConfig({ config: fileURLToPath(new URL(`../../${path}`, import.meta.url)) });
const web = read("wrangler.toml");
const consumer = read("workers/consumer/wrangler.toml");
type Producer = { binding: string; queue: string };
type Consumer = { queue: string; max_retries?: number; max_concurrency?: number; dead_letter_queue?: string };

/**
 * Hyperdrive's origin connections on the Workers Free plan (the most a
 * configuration may have there; developers.cloudflare.com/hyperdrive/platform/limits).
 */
const HYPERDRIVE_ORIGIN_CONNECTIONS = 20;

describe("the two wrangler.toml files, as wrangler reads them", () => {
  it("deploy where the results cache works: a custom domain, no workers.dev, no preview URLs", () => {
    for (const config of [web, consumer]) {
      expect(config.workers_dev).toBe(false);
      expect(config.preview_urls).toBe(false);
    }
    expect(web.routes).toEqual([expect.objectContaining({ custom_domain: true })]);
    expect(consumer.routes ?? []).toEqual([]);
  });

  it("keep VOTE_QUEUE_SHARDS in configuration, with a producer and a consumer for every shard", () => {
    const shards = Number(web.vars.VOTE_QUEUE_SHARDS);
    expect(shards).toBeGreaterThanOrEqual(1);
    const expected = Array.from({ length: shards }, (_, shard) => ({
      binding: shardBinding(shard),
      queue: shardQueueName(shard),
    }));
    const producers = (config: typeof web) =>
      (config.queues.producers ?? []).map(({ binding, queue }: Producer) => ({ binding, queue }));
    expect(producers(web)).toEqual(expected);
    expect(producers(consumer)).toEqual([...expected, { binding: DEAD_LETTER_BINDING, queue: DEAD_LETTER_QUEUE }]);
    const consumed: { queue: string }[] = consumer.queues.consumers ?? [];
    for (const { queue } of expected) {
      expect(consumed).toContainEqual(expect.objectContaining({ queue, dead_letter_queue: DEAD_LETTER_QUEUE }));
    }
    expect(consumed.map((entry) => entry.queue)).toContain(DEAD_LETTER_QUEUE);
  });

  it("bound the consumers' Hyperdrive connections to half the origin pool, leaving the rest to the web", () => {
    const consumed: Consumer[] = consumer.queues.consumers ?? [];
    for (const entry of consumed) expect(entry.max_concurrency, entry.queue).toBeGreaterThan(0);
    const total = consumed.reduce((sum, entry) => sum + (entry.max_concurrency ?? 0), 0);
    expect(total).toBeLessThanOrEqual(HYPERDRIVE_ORIGIN_CONNECTIONS / 2);
  });

  it("never let a ballot be deleted at a retry limit: the dead letters' own overflow goes back to a vote queue", () => {
    const consumed: Consumer[] = consumer.queues.consumers ?? [];
    const deadLetters = consumed.find((entry) => entry.queue === DEAD_LETTER_QUEUE);
    expect(deadLetters?.dead_letter_queue).toBe(shardQueueName(0));
    // The vote queues' quick retries stay far below their max_retries: an outage never uses it up.
    for (const entry of consumed) expect(entry.max_retries ?? 3).toBeGreaterThan(FAST_RETRIES + 1);
  });

  it("make the counts whole within 60 s of the database's return, whatever the outage's length", () => {
    // The longest a failed message waits for its next try: the retries' cap, or the requeue's delay.
    const requeue = Number(consumer.vars.REQUEUE_DELAY_SECONDS ?? SETTINGS.REQUEUE_DELAY_SECONDS.default);
    const waits = Array.from({ length: 12 }, (_, attempts) => [
      retryDelaySeconds(attempts + 1, () => 0),
      retryDelaySeconds(attempts + 1, () => 0.999),
    ]).flat();
    expect(Math.max(...waits)).toBeLessThanOrEqual(MAX_RETRY_DELAY_SECONDS);
    // Jitter spreads each wait over its second half: never all at once, never zero.
    expect(Math.min(...waits)).toBeGreaterThanOrEqual(1);
    // Plus a batch's gathering time (max_batch_timeout) and one batch's own run.
    const gathering = Math.max(
      ...(consumer.queues.consumers ?? []).map((entry: { max_batch_timeout?: number }) => entry.max_batch_timeout ?? 5),
    );
    expect(Math.max(MAX_RETRY_DELAY_SECONDS, requeue) + gathering).toBeLessThan(60);
  });
});
