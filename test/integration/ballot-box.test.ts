import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BallotBox, VotingUnavailableError } from "../../src/core/ports.ts";
import { createBallotBox } from "../../src/node/ballot-box.ts";
import { createRateLimiter } from "../../src/node/rate-limiter.ts";
import { createVoteStore } from "../../src/node/vote-store.ts";
import { streamNames } from "../../src/redis/keys.ts";
import { startFullRedis } from "../helpers/own-redis.ts";
import { createTestRedis, type TestRedis } from "../helpers/services.ts";

const castAt = "2026-11-26T10:00:00.000Z";
const TTL_SECONDS = 3_600;
const noLimits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: 60_000 };

/** Casts with the limits off; the ballot as queued. */
async function castOk(box: BallotBox, vote: Parameters<BallotBox["cast"]>[0]) {
  const result = await box.cast(vote, noLimits);
  if (!result.ok) throw new Error("refused by a limit that is off");
  return result.ballot;
}

describe("the Redis vote store", () => {
  let redis: TestRedis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it("gives each vote of a voter a higher version than the last, even when many arrive at once", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    const versions = await Promise.all(
      Array.from(
        { length: 200 },
        async (_, i) =>
          (await castOk(box, { poll: "default", voter, choice: i % 2 === 0 ? "a" : "b", castAt })).version,
      ),
    );
    expect(new Set(versions).size).toBe(200);
    const sorted = [...versions].sort((x, y) => x - y);
    // Versions come from the Redis clock in microseconds (or one more than the last).
    expect(sorted[0]).toBeGreaterThan(Date.parse("2026-01-01") * 1000);
    expect(sorted.at(-1)! - sorted[0]!).toBeLessThan(60_000_000);
    expect(sorted.every(Number.isSafeInteger)).toBe(true);
    const { version } = await castOk(box, { poll: "default", voter, choice: "a", castAt });
    expect(version).toBeGreaterThan(sorted.at(-1)!);
  });

  it("keeps a voter's state for the time to live after each vote", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    await castOk(box, { poll: "default", voter, choice: "a", castAt });
    const ttl = await redis.client.ttl(`${redis.prefix}ballot:default:${voter}`);
    expect(ttl).toBeGreaterThan(TTL_SECONDS - 5);
    expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);
  });

  it("still gives a higher version once the voter's state has expired or Redis has lost it", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    const before = await castOk(box, { poll: "default", voter, choice: "a", castAt });
    await redis.client.del(`${redis.prefix}ballot:default:${voter}`);
    const after = await castOk(box, { poll: "default", voter, choice: "b", castAt });
    expect(after.version).toBeGreaterThan(before.version);
  });

  it("refuses a vote with VotingUnavailableError, writing nothing, when Redis is full", async () => {
    const full = await startFullRedis();
    try {
      const box = createBallotBox(full.client, "full:", TTL_SECONDS);
      const voter = randomUUID();
      await expect(castOk(box, { poll: "default", voter, choice: "a", castAt })).rejects.toBeInstanceOf(
        VotingUnavailableError,
      );
      expect(await full.client.dbSize()).toBe(0);
    } finally {
      await full.stop();
    }
  });

  it("remembers the choice that went with the highest version", async () => {
    const store = createVoteStore(redis.client, redis.prefix);
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    expect(await store.currentChoice("default", voter)).toBeNull();
    await castOk(box, { poll: "default", voter, choice: "a", castAt });
    const { version } = await castOk(box, { poll: "default", voter, choice: "b", castAt });
    expect(await store.currentChoice("default", voter)).toBe("b");
    // The choice and the version live in one hash, written by one script.
    expect(await redis.client.hGetAll(`${redis.prefix}ballot:default:${voter}`)).toEqual({
      choice: "b",
      version: String(version),
    });
  });

  it("keeps voters and polls apart", async () => {
    const store = createVoteStore(redis.client, redis.prefix);
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const recordChoice = async (poll: string, voter: string, choice: string) =>
      (await castOk(box, { poll, voter, choice, castAt })).version;
    const [x, y] = [randomUUID(), randomUUID()];
    await recordChoice("default", x, "a");
    await recordChoice("default", y, "b");
    await recordChoice("other", x, "b");
    expect(await store.currentChoice("default", x)).toBe("a");
    expect(await store.currentChoice("default", y)).toBe("b");
    expect(await store.currentChoice("other", x)).toBe("b");
    expect(await store.currentChoice("other", y)).toBeNull();
  });

  it("still works after Redis forgot its scripts (SCRIPT FLUSH)", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    const first = await castOk(box, { poll: "default", voter, choice: "a", castAt });
    await redis.client.scriptFlush();
    expect((await castOk(box, { poll: "default", voter, choice: "b", castAt })).version).toBeGreaterThan(first.version);
  });

  it("casts a ballot in one script: the choice, the next version and the queued entry together", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const store = createVoteStore(redis.client, redis.prefix);
    const voter = randomUUID();
    const first = await castOk(box, { poll: "default", voter, choice: "a", castAt });
    const second = await castOk(box, { poll: "default", voter, choice: "b", castAt });
    expect(second.version).toBeGreaterThan(first.version);
    expect(await store.currentChoice("default", voter)).toBe("b");
    const entries = await redis.client.xRange(streamNames(redis.prefix).stream, "-", "+");
    const queued = (entries ?? []).map((entry) => JSON.parse(entry!.message.ballot!));
    expect(queued).toEqual([
      { poll: "default", voter, choice: "a", version: first.version, castAt },
      { poll: "default", voter, choice: "b", version: second.version, castAt },
    ]);
  });

  it("limits votes per voter and per address in the same script, writing nothing for a refused vote", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const limits = { address: "198.51.100.7", perAddress: 5, perVoter: 2, windowMs: 60_000 };
    const voter = randomUUID();
    const vote = { poll: "default", voter, choice: "a", castAt };
    const verdicts = [];
    for (let i = 0; i < 3; i++) verdicts.push(await box.cast(vote, limits));
    expect(verdicts.map((v) => v.ok)).toEqual([true, true, false]);
    const refused = verdicts[2]!;
    if (!refused.ok) expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect(await redis.client.xLen(streamNames(redis.prefix).stream)).toBe(2);
    // Other voters behind the same address share its larger allowance (a room behind one NAT).
    const others = [];
    for (let i = 0; i < 4; i++) others.push((await box.cast({ ...vote, voter: randomUUID() }, limits)).ok);
    expect(others).toEqual([true, true, false, false]);
    // Another address is counted on its own.
    expect((await box.cast({ ...vote, voter: randomUUID() }, { ...limits, address: "198.51.100.8" })).ok).toBe(true);
  });

  it("limits poll creation per client per window and says when to come back", async () => {
    const limiter = createRateLimiter(redis.client, redis.prefix, { scope: "polls", limit: 3, windowMs: 60_000 });
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.take("203.0.113.9"));
    expect(verdicts.map((v) => v.allowed)).toEqual([true, true, true, false, false]);
    const refused = verdicts[3]!;
    if (!refused.allowed) expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
    expect((await limiter.take("198.51.100.1")).allowed).toBe(true);
  });
});
