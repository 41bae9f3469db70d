// The test project's main Worker: the web Worker's fetch and the queue
// consumer's queue handler in one script, so votes sent to the vote queues in
// workerd flow to the real consumer code and into PostgreSQL. Bindings come
// from the real wrangler.toml (see vitest.config.ts).
import web from "../../src/cloudflare/web.ts";
import consumer from "../../workers/consumer/index.ts";

/**
 * The voters of the ballots the queues delivered, per queue: the tests run in
 * this Worker's isolate, so they read how the shards split the ballots here.
 */
export const delivered = new Map<string, string[]>();

export default {
  fetch: web.fetch,
  async queue(batch, env, ctx) {
    const voters = delivered.get(batch.queue) ?? [];
    for (const message of batch.messages) {
      const voter = (message.body as { voter?: unknown } | null)?.voter;
      if (typeof voter === "string") voters.push(voter);
    }
    delivered.set(batch.queue, voters);
    await consumer.queue(batch, env, ctx);
  },
} satisfies ExportedHandler<Env>;
