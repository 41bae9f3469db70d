import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createChoiceRecorder } from "../../src/cloudflare/choice-recorder.ts";
import { createRedisClient } from "../../src/cloudflare/redis-client.ts";
import { VotingUnavailableError } from "../../src/core/ports.ts";
import { startUpstashBridge, type UpstashBridge } from "../../tools/upstash-bridge.ts";
import { type FullRedis, startFullRedis } from "../helpers/own-redis.ts";

describe("the Workers vote store when the database is full", () => {
  let full: FullRedis;
  let bridge: UpstashBridge;
  const token = `test-token-${randomBytes(8).toString("hex")}`;
  beforeAll(async () => {
    full = await startFullRedis();
    bridge = await startUpstashBridge({ redisUrl: full.url, token, port: 0, log: () => {} });
  });
  afterAll(async () => {
    await bridge.close();
    await full.stop();
  });

  it("refuses the vote as unavailable for now (a 503 with Retry-After), writing nothing", async () => {
    const recorder = createChoiceRecorder(createRedisClient(bridge.url, token), "full:", 3_600);
    const refused = await recorder
      .record(
        { poll: "default", voter: randomUUID(), choice: "a" },
        { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: 60_000 },
      )
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(VotingUnavailableError);
    expect((refused as VotingUnavailableError).retryAfterSeconds).toBeGreaterThan(0);
    expect(await full.client.dbSize()).toBe(0);
  });
});
