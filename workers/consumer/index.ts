import { consumeVotes } from "../../src/cloudflare/queue-consumer.ts";

/** The queue consumer Worker: ballots from the `votes` queue into PostgreSQL (see src/cloudflare/queue-consumer.ts). */
export default {
  async queue(batch, env) {
    await consumeVotes(batch, env);
  },
} satisfies ExportedHandler<Env, unknown>;
