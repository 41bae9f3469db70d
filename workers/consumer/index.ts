import { consumeVotes } from "../../src/cloudflare/queue-consumer.ts";

/** The queue consumer Worker: ballots from the `votes` queue into PostgreSQL (see src/cloudflare/queue-consumer.ts). */
export default {
  // The context goes unused (the consumer defers work with cloudflare:workers' waitUntil); tests pass one.
  async queue(batch, env, _ctx) {
    await consumeVotes(batch, env);
  },
} satisfies ExportedHandler<Env, unknown>;
