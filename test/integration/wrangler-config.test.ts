import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { unstable_readConfig } from "wrangler";
import {
  DEAD_LETTER_BINDING,
  DEAD_LETTER_QUEUE,
  shardBinding,
  shardQueueName,
} from "../../src/cloudflare/queue-shards.ts";

const read = (path: string) =>
  unstable_readConfig({ config: fileURLToPath(new URL(`../../${path}`, import.meta.url)) });
const web = read("wrangler.toml");
const consumer = read("workers/consumer/wrangler.toml");
type Producer = { binding: string; queue: string };

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
});
