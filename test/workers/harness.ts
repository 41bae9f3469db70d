// The test project's main Worker: the web Worker's fetch and the queue
// consumer's queue handler in one script, so votes sent to the VOTES queue in
// workerd flow to the real consumer code and into PostgreSQL. Bindings come
// from the real wrangler.toml (see vitest.config.ts).
import web from "../../src/cloudflare/web.ts";
import consumer from "../../workers/consumer/index.ts";

export default {
  fetch: web.fetch,
  queue: consumer.queue,
} satisfies ExportedHandler<Env>;
