import { streamNames } from "../../src/redis/keys.ts";
import { type Started, startEntry } from "../helpers/processes.ts";
import { type TestDatabase, type TestRedis, waitFor } from "../helpers/services.ts";

/**
 * Two consumer processes that are SIGKILLed, one after the other, every
 * 150-600 ms until voting is over and at least `minKills` have died. A
 * killed one comes back under a new name half the time, so its pending
 * entries must be claimed by the others.
 */
export function startKillingConsumers(db: TestDatabase, redis: TestRedis, minKills: number) {
  let killsWanted = minKills;
  const consumerEnv = (name: string) => ({
    DATABASE_URL: db.url,
    REDIS_PREFIX: redis.prefix,
    PORT: "0",
    CONSUMER_NAME: name,
    CONSUMER_BATCH_SIZE: "50",
    CONSUMER_CLAIM_IDLE_MS: "500",
  });
  let generation = 0;
  const consumers: Started[] = [startEntry("consumer", consumerEnv("c0")), startEntry("consumer", consumerEnv("c1"))];
  let kills = 0;
  let voting = true;
  const chaos = (async () => {
    while (voting || kills < killsWanted) {
      await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 450));
      const slot = kills % consumers.length;
      const victim = consumers[slot]!;
      victim.child.kill("SIGKILL");
      await victim.exited;
      kills++;
      const name = kills % 2 === 0 ? `c${slot}` : `c${slot}-${++generation}`;
      consumers[slot] = startEntry("consumer", consumerEnv(name));
    }
  })();

  let stopped = false;
  async function stopConsumers(): Promise<void> {
    if (stopped) return;
    stopped = true;
    for (const consumer of consumers) consumer.child.kill("SIGTERM");
    await Promise.all(consumers.map((consumer) => consumer.exited));
  }

  return {
    /** Stops killing (after `minKills`), lets the survivors drain the stream, then stops them; answers the kills. */
    async drainAndStop(): Promise<number> {
      voting = false;
      await chaos;
      const names = streamNames(redis.prefix);
      try {
        await waitFor(
          async () =>
            (await redis.client.xLen(names.stream)) === 0 &&
            (await redis.client.xPending(names.stream, names.group)).pending === 0,
          "the consumers to drain the stream",
          90_000,
        );
      } finally {
        await stopConsumers();
      }
      return kills;
    },
    /** For a test that failed before the end: no more kills, no drain, the consumers stopped. */
    async abort(): Promise<void> {
      voting = false;
      killsWanted = 0;
      await chaos;
      await stopConsumers();
    },
  };
}
