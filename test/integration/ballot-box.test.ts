import { randomUUID } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type BallotBox, UnavailableError } from "../../src/core/ports.ts";
import { ballotMessage } from "../../src/domain/ballots.ts";
import { createBallotBox } from "../../src/node/ballot-box.ts";
import { streamNames, votersKey } from "../../src/redis/keys.ts";
import { describeBallotBoxContract } from "../contract/ports/ballot-box.ts";
import { castRequest } from "../contract/ports/support.ts";
import { startFullRedis } from "../helpers/own-redis.ts";
import { openNodeRedis, openUpstash, type RedisAdapters } from "../helpers/port-subjects.ts";
import { createTestRedis, type TestRedis } from "../helpers/services.ts";

describeBallotBoxContract("Node: one Redis script and the stream (src/node/ballot-box.ts)", openNodeRedis);
describeBallotBoxContract(
  "Workers: Upstash through the local bridge, then the queue (src/cloudflare/ballot-box.ts)",
  openUpstash,
);

const TTL_SECONDS = 3_600;
const noLimits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: 60_000 };

/** A vote in the default poll (nothing to check but the limits). */
const vote = (voter: string, choice: string) => castRequest("default", voter, [choice]);

/** Casts with the limits off; the ballot as queued. */
async function castOk(box: BallotBox, request: Parameters<BallotBox["cast"]>[0]) {
  const result = await box.cast(request, noLimits);
  if (!result.ok) throw new Error("refused by a limit that is off");
  return result.ballot;
}

/** The voters hash as both runtimes' scripts keep it (src/redis/scripts.ts), read and written underneath. */
describe.each([
  ["Node", openNodeRedis],
  ["Workers, through the local Upstash bridge", openUpstash],
])("a voter's state in Redis (%s)", (_, open) => {
  let redis: RedisAdapters;
  beforeEach(async () => {
    redis = await open();
  });
  afterEach(async () => {
    await redis.close();
  });
  const cast = async (poll: string, voter: string, choices: string[]) => {
    const result = await redis.box.cast(castRequest(poll, voter, choices), noLimits);
    if (!result.ok) throw new Error("refused by a limit that is off");
    return result.ballot;
  };

  it("is one field: the version, then the choices", async () => {
    const [poll, voter] = [`p${randomUUID().slice(0, 8)}`, randomUUID()];
    const ballot = await cast(poll, voter, ["a", "c"]);
    expect(await redis.voterFields(poll)).toEqual({ [voter]: `${ballot.version} a,c` });
  });

  it("is taken over from the older two-field form: its choices are read, its version beaten", async () => {
    const [poll, voter] = [`p${randomUUID().slice(0, 8)}`, randomUUID()];
    // Ahead of the store's clock, so the next version has to be this one plus one.
    const older = Date.now() * 1000 + 3_600_000_000_000;
    await redis.holdInOlderForm(poll, voter, ["a", "c"], older);
    expect(await redis.votes.currentChoices(poll, voter)).toEqual(["a", "c"]);
    const ballot = await cast(poll, voter, ["b"]);
    expect(ballot.version).toBe(older + 1);
    expect(await redis.votes.currentChoices(poll, voter)).toEqual(["b"]);
    expect(await redis.voterFields(poll)).toEqual({ [voter]: `${older + 1} b` });
  });
});

describe("the Node ballot box on Redis", () => {
  let redis: TestRedis;
  beforeEach(async () => {
    redis = await createTestRedis();
  });
  afterEach(async () => {
    await redis.cleanup();
  });

  it("records the choice and its version in the poll's voters hash, and queues the entry, in the same script", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    const first = await castOk(box, vote(voter, "a"));
    const second = await castOk(box, vote(voter, "b"));
    expect(await redis.client.hGetAll(votersKey(redis.prefix, "default"))).toEqual({
      [voter]: `${second.version} b`,
    });
    const entries = (await redis.client.xRange(streamNames(redis.prefix).stream, "-", "+")) ?? [];
    expect(entries.map((entry) => JSON.parse(entry!.message.ballot!))).toEqual([first, second].map(ballotMessage));
  });

  it("takes its versions from the Redis clock in microseconds, exact as JavaScript numbers", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const { version } = await castOk(box, vote(randomUUID(), "a"));
    expect(version).toBeGreaterThan(Date.parse("2026-01-01") * 1000);
    expect(Number.isSafeInteger(version)).toBe(true);
  });

  it("keeps a poll's voters for the time to live after each vote", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    await castOk(box, vote(voter, "a"));
    const ttl = await redis.client.ttl(votersKey(redis.prefix, "default"));
    expect(ttl).toBeGreaterThan(TTL_SECONDS - 5);
    expect(ttl).toBeLessThanOrEqual(TTL_SECONDS);
  });

  it("still works after Redis forgot its scripts (SCRIPT FLUSH)", async () => {
    const box = createBallotBox(redis.client, redis.prefix, TTL_SECONDS);
    const voter = randomUUID();
    const first = await castOk(box, vote(voter, "a"));
    await redis.client.scriptFlush();
    expect((await castOk(box, vote(voter, "b"))).version).toBeGreaterThan(first.version);
  });

  it("refuses a vote with UnavailableError, writing nothing, when Redis is full", async () => {
    const full = await startFullRedis();
    try {
      const box = createBallotBox(full.client, "full:", TTL_SECONDS);
      await expect(castOk(box, vote(randomUUID(), "a"))).rejects.toBeInstanceOf(UnavailableError);
      expect(await full.client.dbSize()).toBe(0);
    } finally {
      await full.stop();
    }
  });
});
