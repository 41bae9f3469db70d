import { solveChallenge } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import { describe, expect, it } from "vitest";
import { createChallenges } from "../../src/altcha/challenges.ts";
import { type CastVoteInput, castVote } from "../../src/core/cast-vote.ts";
import { createPollLookup, findPoll } from "../../src/core/poll-lookup.ts";
import { UnavailableError } from "../../src/core/ports.ts";
import type { Poll } from "../../src/domain/polls.ts";
import { createManualClock } from "../fakes/clock.ts";
import { createMemoryRedis } from "../fakes/redis.ts";
import { defaultPoll, tea } from "../helpers/polls.ts";

const VOTER = "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11";
const challenges = createChallenges("a test secret of at least thirty-two characters", 50);

function setUp(limits = { perAddress: 0, perVoter: 0 }, ttlMs = 0) {
  const clock = createManualClock();
  const redis = createMemoryRedis({ now: clock.ms });
  const polls = createPollLookup({ defaultPoll, source: redis.pollStore, ttlMs });
  const deps = {
    findPoll: (pollId: unknown) => findPoll(polls, pollId),
    forgetPoll: (id: string) => polls.forget(id),
    ballotBox: redis.ballotBox,
    limits,
    clock,
    challenges,
  };
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
  return { clock, redis, cast, polls, asked: () => asked };
}

/** A solved challenge for `poll`, as the widget posts it (base64 JSON). */
async function solved(poll: string): Promise<string> {
  const challenge = (await challenges.create(poll)) as Parameters<typeof solveChallenge>[0]["challenge"];
  const solution = await solveChallenge({ challenge, deriveKey });
  return btoa(JSON.stringify({ challenge, solution }));
}

describe("casting a vote", () => {
  it("records a valid vote with the voter and the clock's time, queues it, and answers its version", async () => {
    const { cast, redis, clock, asked } = setUp();
    const outcome = await cast({ choice: "b" });
    expect(outcome).toEqual({ ok: true, poll: defaultPoll, choices: ["b"], version: expect.any(Number) });
    const version = outcome.ok ? outcome.version : 0;
    expect(redis.queued()).toEqual([
      { poll: "default", voter: VOTER, choices: ["b"], version, castAt: clock.now().toISOString(), revision: 0 },
    ]);
    expect(await redis.voteStore.currentChoices("default", VOTER)).toEqual(["b"]);
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
    expect(await cast({ poll: tea.id, choice: "b" })).toMatchObject({ ok: true, poll: tea, choices: ["b"] });
  });

  it("gives a voter's next vote a higher version", async () => {
    const { cast } = setUp();
    const first = await cast({ choice: "a" });
    const second = await cast({ choice: "b" });
    expect(first.ok && second.ok && second.version > first.version).toBe(true);
  });

  it("takes a set of choices on a multi-select poll, kept in the poll's order", async () => {
    const { cast, redis } = setUp();
    const multi: Poll = { ...tea, maxChoices: 2 };
    await redis.pollStore.writePoll(multi);
    expect(await cast({ poll: tea.id, choice: ["c", "a"] })).toMatchObject({ ok: true, choices: ["a", "c"] });
    expect(await cast({ poll: tea.id, choice: "b" })).toMatchObject({ ok: true, choices: ["b"] });
    expect(await redis.voteStore.currentChoices(tea.id, VOTER)).toEqual(["b"]);
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

    it("a closed poll, and one past its closesAt", async () => {
      const { cast, redis, asked, clock } = setUp();
      const closed = { ...tea, status: "closed" as const };
      await redis.pollStore.writePoll(closed);
      expect(await cast({ poll: tea.id })).toEqual({ ok: false, reason: "closed", poll: closed });
      const timed = { ...tea, id: "TimedPoll001", closesAt: new Date(clock.ms() + 1000).toISOString() };
      await redis.pollStore.writePoll(timed);
      expect((await cast({ poll: timed.id })).ok).toBe(true);
      clock.advance(1000);
      expect(await cast({ poll: timed.id })).toEqual({ ok: false, reason: "closed", poll: timed });
      expect(redis.queued()).toHaveLength(1);
      expect(asked()).toBe(1);
    });

    it("a poll before its opensAt", async () => {
      const { cast, redis, clock } = setUp();
      const later = { ...tea, opensAt: new Date(clock.ms() + 60_000).toISOString() };
      await redis.pollStore.writePoll(later);
      expect(await cast({ poll: tea.id })).toEqual({ ok: false, reason: "not-open", poll: later });
      clock.advance(60_000);
      expect((await cast({ poll: tea.id })).ok).toBe(true);
    });

    it("a missing choice", async () => {
      const { cast, redis, asked } = setUp();
      for (const choice of [undefined, null, "", []]) {
        expect(await cast({ choice })).toEqual({ ok: false, reason: "missing-choice", poll: defaultPoll });
      }
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });

    it("a choice that isn't one of the poll's options", async () => {
      const { cast, redis, asked } = setUp();
      for (const choice of ["c", "A", 1, [1], { id: "a" }, "a".repeat(65)]) {
        expect(await cast({ choice })).toEqual({ ok: false, reason: "unknown-option", poll: defaultPoll });
      }
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });

    it("a selection outside the poll's limits", async () => {
      const { cast, redis, asked } = setUp();
      const multi: Poll = { ...tea, minChoices: 2, maxChoices: 2 };
      await redis.pollStore.writePoll(multi);
      expect(await cast({ poll: tea.id, choice: "a" })).toMatchObject({ ok: false, reason: "too-few" });
      expect(await cast({ poll: tea.id, choice: ["a", "b", "c"] })).toMatchObject({ ok: false, reason: "too-many" });
      expect(await cast({ poll: tea.id, choice: ["a", "a"] })).toMatchObject({ ok: false, reason: "repeated" });
      expect(await cast({ choice: ["a", "b"] })).toMatchObject({ ok: false, reason: "too-many" });
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });

    it("a vote without a solved challenge on a poll that asks for one", async () => {
      const { cast, redis, asked } = setUp();
      const guarded: Poll = { ...tea, protection: "challenge" };
      await redis.pollStore.writePoll(guarded);
      expect(await cast({ poll: tea.id })).toMatchObject({ ok: false, reason: "challenge-missing" });
      expect(await cast({ poll: tea.id, challenge: "bm90IGEgc29sdXRpb24=" })).toMatchObject({
        ok: false,
        reason: "challenge-failed",
      });
      const forOtherPoll = await solved("OtherPoll001");
      expect(await cast({ poll: tea.id, challenge: forOtherPoll })).toMatchObject({ reason: "challenge-failed" });
      expect(redis.queued()).toEqual([]);
      expect(asked()).toBe(0);
    });
  });

  it("takes a solved challenge once", async () => {
    const { cast, redis } = setUp();
    await redis.pollStore.writePoll({ ...tea, protection: "challenge" });
    const challenge = await solved(tea.id);
    expect((await cast({ poll: tea.id, challenge })).ok).toBe(true);
    expect(await cast({ poll: tea.id, challenge, choice: "b" })).toMatchObject({ reason: "challenge-replayed" });
    expect((await cast({ poll: tea.id, challenge: await solved(tea.id), choice: "b" })).ok).toBe(true);
    expect(redis.queued()).toHaveLength(2);
  });

  it("keeps one voter per client address on a poll with protection address, an IPv6 client by its /64", async () => {
    const { cast, redis } = setUp();
    await redis.pollStore.writePoll({ ...tea, protection: "address" });
    const other = async () => "9c1e2b44-5d6f-4a7b-8c9d-0e1f2a3b4c5d";
    expect((await cast({ poll: tea.id, client: "2001:db8::1" })).ok).toBe(true);
    expect((await cast({ poll: tea.id, client: "2001:db8::2", choice: "b" })).ok).toBe(true);
    expect(await cast({ poll: tea.id, client: "2001:db8::3", voter: other })).toMatchObject({
      reason: "address-taken",
    });
    expect((await cast({ poll: tea.id, client: "2001:db8:0:1::3", voter: other })).ok).toBe(true);
  });

  it("refuses a voter's votes past VOTER_RATE_LIMIT a minute, saying when to come back, and takes them in the next minute", async () => {
    const { cast, redis, clock } = setUp({ perAddress: 0, perVoter: 2 });
    expect((await cast({ choice: "a" })).ok).toBe(true);
    expect((await cast({ choice: "b" })).ok).toBe(true);
    const refused = await cast({ choice: "a" });
    expect(refused).toEqual({ ok: false, reason: "rate-limited", poll: defaultPoll, retryAfter: 60 });
    expect(await redis.voteStore.currentChoices("default", VOTER)).toEqual(["b"]);
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

  it("reads a poll again when the store has a newer revision (an edit), and votes in it", async () => {
    const { cast, redis, polls } = setUp(undefined, 60_000);
    await redis.pollStore.writePoll(tea);
    expect(await polls.find(tea.id)).toEqual(tea);
    const edited = { ...tea, question: "Tea, coffee or water?", revision: 1 };
    await redis.pollStore.writePoll(edited);
    expect(await cast({ poll: tea.id })).toMatchObject({ ok: true, poll: edited });
  });

  it("passes on a ballot box that can't take the vote (Redis full or away), with nothing queued", async () => {
    const { cast, redis } = setUp();
    redis.fail(new UnavailableError("Redis is full"));
    await expect(cast({})).rejects.toBeInstanceOf(UnavailableError);
    redis.recover();
    expect(redis.queued()).toEqual([]);
  });
});
