import { describe, expect, it } from "vitest";
import { type CastVoteInput, castVote } from "../../src/core/cast-vote.ts";
import { createPollLookup, findPoll } from "../../src/core/poll-lookup.ts";
import { UnavailableError } from "../../src/core/ports.ts";
import { createManualClock } from "../fakes/clock.ts";
import { createMemoryRedis } from "../fakes/redis.ts";
import { defaultPoll, tea } from "../helpers/polls.ts";

const VOTER = "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11";

function setUp(limits = { perAddress: 0, perVoter: 0 }) {
  const clock = createManualClock();
  const redis = createMemoryRedis({ now: clock.ms });
  const polls = createPollLookup({ defaultPoll, source: redis.pollStore, ttlMs: 0 });
  const deps = { findPoll: (pollId: unknown) => findPoll(polls, pollId), ballotBox: redis.ballotBox, limits, clock };
  let asked = 0;
  /** Casts as a request would; `voter` counts how often the voter was asked for. */
  const cast = (input: Partial<CastVoteInput>) =>
    castVote(deps, {
      poll: undefined,
      choice: "a",
      client: "192.0.2.1",
      voter: async () => {
        asked++;
        return VOTER;
      },
      ...input,
    });
  return { clock, redis, cast, asked: () => asked };
}

describe("casting a vote", () => {
  it("records a valid vote with the voter and the clock's time, queues it, and answers its version", async () => {
    const { cast, redis, clock, asked } = setUp();
    const outcome = await cast({ choice: "b" });
    expect(outcome).toEqual({ ok: true, poll: defaultPoll, choice: "b", version: expect.any(Number) });
    const version = outcome.ok ? outcome.version : 0;
    expect(redis.queued()).toEqual([
      { poll: "default", voter: VOTER, choice: "b", version, castAt: clock.now().toISOString() },
    ]);
    expect(await redis.voteStore.currentChoice("default", VOTER)).toBe("b");
    expect(asked()).toBe(1);
  });

  it("votes in the default poll when the client names none", async () => {
    const { cast, redis } = setUp();
    for (const poll of [undefined, null, ""])
      expect(await cast({ poll })).toMatchObject({ ok: true, poll: defaultPoll });
    expect(redis.queued().map((ballot) => ballot.poll)).toEqual(["default", "default", "default"]);
  });

  it("votes in a created poll, as the vote store holds it", async () => {
    const { cast, redis } = setUp();
    await redis.pollStore.writePoll(tea);
    expect(await cast({ poll: tea.id, choice: "b" })).toMatchObject({ ok: true, poll: tea, choice: "b" });
  });

  it("gives a voter's next vote a higher version", async () => {
    const { cast } = setUp();
    const first = await cast({ choice: "a" });
    const second = await cast({ choice: "b" });
    expect(first.ok && second.ok && second.version > first.version).toBe(true);
  });

  describe("refuses before anything is written or the voter is asked for", () => {
    it("a poll that doesn't exist", async () => {
      const { cast, redis, asked } = setUp();
      for (const poll of ["NoSuchPoll01", "../etc/passwd", 42]) {
        expect(await cast({ poll })).toEqual({ ok: false, reason: "unknown-poll" });
      }
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });

    it("a closed poll", async () => {
      const { cast, redis, asked } = setUp();
      const closed = { ...tea, status: "closed" as const };
      await redis.pollStore.writePoll(closed);
      expect(await cast({ poll: tea.id })).toEqual({ ok: false, reason: "closed", poll: closed });
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });

    it("a missing choice", async () => {
      const { cast, redis, asked } = setUp();
      for (const choice of [undefined, null, ""]) {
        expect(await cast({ choice })).toEqual({ ok: false, reason: "missing-choice", poll: defaultPoll });
      }
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });

    it("a choice that isn't one of the poll's options", async () => {
      const { cast, redis, asked } = setUp();
      for (const choice of ["c", "A", 1, ["a"], { id: "a" }, "a".repeat(65)]) {
        expect(await cast({ choice })).toEqual({ ok: false, reason: "unknown-option", poll: defaultPoll });
      }
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });
  });

  it("refuses a voter's votes past VOTER_RATE_LIMIT a minute, saying when to come back, and takes them in the next minute", async () => {
    const { cast, redis, clock } = setUp({ perAddress: 0, perVoter: 2 });
    expect((await cast({ choice: "a" })).ok).toBe(true);
    expect((await cast({ choice: "b" })).ok).toBe(true);
    const refused = await cast({ choice: "a" });
    expect(refused).toEqual({ ok: false, reason: "rate-limited", poll: defaultPoll, retryAfter: 60 });
    expect(await redis.voteStore.currentChoice("default", VOTER)).toBe("b");
    expect(redis.queued()).toHaveLength(2);
    clock.advance(60_000);
    expect((await cast({ choice: "a" })).ok).toBe(true);
  });

  it("counts votes per client address against VOTE_RATE_LIMIT, an IPv6 client by its /64", async () => {
    const { cast } = setUp({ perAddress: 2, perVoter: 0 });
    expect((await cast({ client: "2001:db8:85a3:8d3::1" })).ok).toBe(true);
    expect((await cast({ client: "2001:db8:85a3:8d3:ffff::7" })).ok).toBe(true);
    expect(await cast({ client: "2001:0db8:85a3:08d3::99" })).toMatchObject({ ok: false, reason: "rate-limited" });
    expect((await cast({ client: "2001:db8:85a3:8d4::1" })).ok).toBe(true);
    expect((await cast({ client: "192.0.2.1" })).ok).toBe(true);
  });

  it("counts nothing when the limits are 0", async () => {
    const { cast, redis } = setUp();
    for (let i = 0; i < 20; i++) expect((await cast({})).ok).toBe(true);
    expect(redis.queued()).toHaveLength(20);
  });

  it("passes on a ballot box that can't take the vote (Redis full or away), with nothing queued", async () => {
    const { cast, redis } = setUp();
    redis.fail(new UnavailableError("Redis is full"));
    await expect(cast({})).rejects.toBeInstanceOf(UnavailableError);
    redis.recover();
    expect(redis.queued()).toEqual([]);
  });
});
