import type { Ballot } from "../../src/domain/ballots.ts";
import type { RedisClient } from "../../src/node/redis-client.ts";
import type { StreamNames } from "../../src/redis/keys.ts";

/** Puts ballots on the stream as they are, for tests that need versions and orders the web tier never sends. */
export function createStreamPublisher(client: RedisClient, names: StreamNames) {
  return {
    async publish(ballot: Ballot | Record<string, unknown>): Promise<void> {
      await client.xAdd(names.stream, "*", { ballot: JSON.stringify(ballot) });
    },
  };
}
