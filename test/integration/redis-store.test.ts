import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createRedisRateLimiter } from "../../src/node/redis-rate-limiter.ts";
import { createRedisVoteStore } from "../../src/node/redis-vote-store.ts";
import { createStreamBallotBox } from "../../src/node/stream-ballot-box.ts";
import { streamNames } from "../../src/redis/keys.ts";
import { createTestRedis, type TestRedis } from "../helpers/services.ts";

const castAt = "2026-11-26T10:00:00.000Z";

describe("the Redis vote store", () => {
  let redis: TestRedis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it("gives each vote of a voter the next version, even when many arrive at once", async () => {
    const box = createStreamBallotBox(redis.client, redis.prefix);
    const voter = randomUUID();
    const versions = await Promise.all(
      Array.from(
        { length: 200 },
        async (_, i) => (await box.cast({ poll: "default", voter, choice: i % 2 === 0 ? "a" : "b", castAt })).version,
      ),
    );
    expect([...versions].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it("remembers the choice that went with the highest version", async () => {
    const store = createRedisVoteStore(redis.client, redis.prefix);
    const box = createStreamBallotBox(redis.client, redis.prefix);
    const voter = randomUUID();
    expect(await store.currentChoice("default", voter)).toBeNull();
    await box.cast({ poll: "default", voter, choice: "a", castAt });
    const { version } = await box.cast({ poll: "default", voter, choice: "b", castAt });
    expect(version).toBe(2);
    expect(await store.currentChoice("default", voter)).toBe("b");
    // The choice and the version live in one hash, written by one script.
    expect(await redis.client.hGetAll(`${redis.prefix}ballot:default:${voter}`)).toEqual({ choice: "b", version: "2" });
  });

  it("keeps voters and polls apart", async () => {
    const store = createRedisVoteStore(redis.client, redis.prefix);
    const box = createStreamBallotBox(redis.client, redis.prefix);
    const recordChoice = async (poll: string, voter: string, choice: string) =>
      (await box.cast({ poll, voter, choice, castAt })).version;
    const [x, y] = [randomUUID(), randomUUID()];
    await recordChoice("default", x, "a");
    expect(await recordChoice("default", y, "b")).toBe(1);
    expect(await recordChoice("other", x, "b")).toBe(1);
    expect(await store.currentChoice("default", x)).toBe("a");
  });

  it("still works after Redis forgot its scripts (SCRIPT FLUSH)", async () => {
    const box = createStreamBallotBox(redis.client, redis.prefix);
    const voter = randomUUID();
    await box.cast({ poll: "default", voter, choice: "a", castAt });
    await redis.client.scriptFlush();
    expect((await box.cast({ poll: "default", voter, choice: "b", castAt })).version).toBe(2);
  });

  it("casts a ballot in one script: the choice, the next version and the queued entry together", async () => {
    const box = createStreamBallotBox(redis.client, redis.prefix);
    const store = createRedisVoteStore(redis.client, redis.prefix);
    const voter = randomUUID();
    const first = await box.cast({ poll: "default", voter, choice: "a", castAt });
    const second = await box.cast({ poll: "default", voter, choice: "b", castAt });
    expect([first.version, second.version]).toEqual([1, 2]);
    expect(await store.currentChoice("default", voter)).toBe("b");
    const entries = await redis.client.xRange(streamNames(redis.prefix).stream, "-", "+");
    const queued = (entries ?? []).map((entry) => JSON.parse(entry!.message.ballot!));
    expect(queued).toEqual([
      { poll: "default", voter, choice: "a", version: 1, castAt },
      { poll: "default", voter, choice: "b", version: 2, castAt },
    ]);
  });

  it("limits votes per client per minute and says when to come back", async () => {
    const limiter = createRedisRateLimiter(redis.client, redis.prefix, 3);
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.take("203.0.113.9"));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    const refused = verdicts[3]!;
    if (!refused.allowed) expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect((await limiter.take("198.51.100.1")).allowed).toBe(true);
  });
});
