import { describe, expect, it } from "vitest";
import type { BallotBox, CastResult, PollStore, VoteLimits, VoteStore } from "../../../src/core/ports.ts";
import type { Ballot } from "../../../src/domain/ballots.ts";
import { castRequest, LONG_WINDOW_MS, newPoll, openForSuite, randomPollId } from "./support.ts";

/** A ballot box, the vote store that reads what it records, the poll copies it checks, and a view of its queue. */
export interface BallotBoxSubject {
  box: BallotBox;
  votes: VoteStore;
  polls: PollStore;
  /** Every ballot queued so far, oldest first; they stay queued. */
  queued(): Promise<Ballot[]>;
  /** Loses a voter's state, as its expiry or a Redis restart without persistence would. */
  forgetVoter(poll: string, voter: string): Promise<void>;
  close(): Promise<void>;
}

const castAt = "2026-11-26T10:00:00.000Z";
const noLimits: VoteLimits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: LONG_WINDOW_MS };
const HOUR_MICROS = 3_600_000_000;

const request = castRequest;

/**
 * What casting relies on from a BallotBox (DESIGN, "Data flow"): a vote is
 * checked (the poll's revision, its opening hours by the store's clock, one
 * voter per address, a challenge used once), counted against its limits,
 * recorded with the voter's next version, and queued; or refused with
 * nothing written. A voter's versions only grow, even once their state is
 * gone, so the archive's "highest version wins" always picks the last vote.
 */
export function describeBallotBoxContract(name: string, open: () => Promise<BallotBoxSubject>): void {
  describe(`a BallotBox (${name})`, () => {
    const subject = openForSuite(open);

    async function cast(poll: string, voter: string, choice: string | readonly string[], limits = noLimits) {
      const result = await subject().box.cast(
        request(poll, voter, typeof choice === "string" ? [choice] : choice),
        limits,
      );
      if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
      return result.ballot;
    }
    const queuedIn = async (poll: string) => (await subject().queued()).filter((ballot) => ballot.poll === poll);
    const refusal = (result: CastResult) => (result.ok ? "recorded" : result.reason);

    it("answers the ballot as it was queued: the vote as given, with the voter's new version", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      const ballot = await cast(poll, voter, "b");
      expect(ballot).toEqual({ poll, voter, choices: ["b"], castAt, revision: 0, version: expect.any(Number) });
      expect(Number.isSafeInteger(ballot.version) && ballot.version > 0).toBe(true);
      expect(await queuedIn(poll)).toEqual([ballot]);
    });

    it("records and queues a set of choices, in the order given", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      const ballot = await cast(poll, voter, ["c", "a"]);
      expect(ballot.choices).toEqual(["c", "a"]);
      expect(await subject().votes.currentChoices(poll, voter)).toEqual(["c", "a"]);
      expect(await queuedIn(poll)).toEqual([ballot]);
    });

    it("queues every ballot it accepts once, in the order cast", async () => {
      const poll = randomPollId();
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      const cast1 = await cast(poll, x, "a");
      const cast2 = await cast(poll, y, "b");
      const cast3 = await cast(poll, x, "c");
      expect(await queuedIn(poll)).toEqual([cast1, cast2, cast3]);
    });

    it("gives each ballot of a voter a higher version than the one before", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      const versions: number[] = [];
      for (const choice of ["a", "b", "a", "c", "b"]) versions.push((await cast(poll, voter, choice)).version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y));
      expect(new Set(versions).size).toBe(versions.length);
    });

    it("gives ballots of one voter cast at once distinct versions, the highest carrying the choice recorded", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      const ballots = await Promise.all(
        Array.from({ length: 40 }, (_, i) => cast(poll, voter, ["a", "b", "c"][i % 3]!)),
      );
      expect(new Set(ballots.map((ballot) => ballot.version)).size).toBe(40);
      const newest = ballots.reduce((x, y) => (x.version > y.version ? x : y));
      expect(await subject().votes.currentChoices(poll, voter)).toEqual(newest.choices);
    });

    it("still gives a higher version once the voter's state is lost", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      const before = await cast(poll, voter, "a");
      await subject().forgetVoter(poll, voter);
      expect(await subject().votes.currentChoices(poll, voter)).toBeNull();
      expect((await cast(poll, voter, "b")).version).toBeGreaterThan(before.version);
    });

    it("refuses a vote cast under an older revision of the poll than its copy's, writing nothing", async () => {
      const poll = { ...newPoll(), revision: 3 };
      await subject().polls.writePoll(poll);
      const voter = crypto.randomUUID();
      const box = subject().box;
      expect(refusal(await box.cast(request(poll.id, voter, ["a"], { revision: 2 }), noLimits))).toBe("stale");
      expect(await subject().votes.currentChoices(poll.id, voter)).toBeNull();
      expect(await queuedIn(poll.id)).toEqual([]);
      const taken = await box.cast(request(poll.id, voter, ["a"], { revision: 3 }), noLimits);
      expect(taken.ok && taken.ballot.revision).toBe(3);
    });

    it("refuses by the store's clock before opensAt and from closesAt on, writing nothing", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      const now = Date.now() * 1000;
      const box = subject().box;
      const later = await box.cast(request(poll, voter, ["a"], { opensAtMicros: now + HOUR_MICROS }), noLimits);
      const past = await box.cast(request(poll, voter, ["a"], { closesAtMicros: now - HOUR_MICROS }), noLimits);
      expect([refusal(later), refusal(past)]).toEqual(["not-open", "closed"]);
      expect(await subject().votes.currentChoices(poll, voter)).toBeNull();
      expect(await queuedIn(poll)).toEqual([]);
      const within = { opensAtMicros: now - HOUR_MICROS, closesAtMicros: now + HOUR_MICROS };
      expect(refusal(await box.cast(request(poll, voter, ["a"], within), noLimits))).toBe("recorded");
    });

    it("lets one voter per address vote when asked to, and that voter change their vote", async () => {
      const poll = randomPollId();
      const [first, second] = [crypto.randomUUID(), crypto.randomUUID()];
      const box = subject().box;
      const exclusive = { exclusiveAddress: "203.0.113.9" };
      expect(refusal(await box.cast(request(poll, first, ["a"], exclusive), noLimits))).toBe("recorded");
      expect(refusal(await box.cast(request(poll, second, ["b"], exclusive), noLimits))).toBe("address-taken");
      expect(refusal(await box.cast(request(poll, first, ["b"], exclusive), noLimits))).toBe("recorded");
      const elsewhere = { exclusiveAddress: "203.0.113.10" };
      expect(refusal(await box.cast(request(poll, second, ["b"], elsewhere), noLimits))).toBe("recorded");
      expect(await subject().votes.currentChoices(poll, second)).toEqual(["b"]);
      expect((await queuedIn(poll)).map((ballot) => ballot.voter)).toEqual([first, first, second]);
    });

    it("takes a challenge once", async () => {
      const poll = randomPollId();
      const challenge = { id: crypto.randomUUID(), ttlMs: 60_000 };
      const box = subject().box;
      const voter = crypto.randomUUID();
      expect(refusal(await box.cast(request(poll, voter, ["a"], { challenge }), noLimits))).toBe("recorded");
      expect(refusal(await box.cast(request(poll, voter, ["b"], { challenge }), noLimits))).toBe("replayed");
      const other = await box.cast(request(poll, crypto.randomUUID(), ["b"], { challenge }), noLimits);
      expect(refusal(other)).toBe("replayed");
      expect(await subject().votes.currentChoices(poll, voter)).toEqual(["a"]);
    });

    it("refuses a voter's votes past their limit with the seconds to wait, recording and queueing nothing", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      const limits = { ...noLimits, address: "198.51.100.7", perVoter: 2 };
      const results: CastResult[] = [];
      for (const choice of ["a", "b", "c"])
        results.push(await subject().box.cast(request(poll, voter, [choice]), limits));
      expect(results.map((result) => result.ok)).toEqual([true, true, false]);
      const refused = results[2]!;
      if (refused.ok || refused.reason !== "limited") throw new Error("the third vote was not limited");
      expect(refused.retryAfter).toBeGreaterThanOrEqual(1);
      expect(refused.retryAfter).toBeLessThanOrEqual(LONG_WINDOW_MS / 1000);
      expect(await subject().votes.currentChoices(poll, voter)).toEqual(["b"]);
      expect((await queuedIn(poll)).map((ballot) => ballot.choices)).toEqual([["a"], ["b"]]);
    });

    it("shares an address's allowance among its voters, and counts another address on its own", async () => {
      const poll = randomPollId();
      const address = `198.51.100.${Math.floor(Math.random() * 250)}-${crypto.randomUUID()}`;
      const limits = { ...noLimits, address, perAddress: 3, perVoter: 10 };
      const taken = [];
      for (let i = 0; i < 5; i++)
        taken.push((await subject().box.cast(request(poll, crypto.randomUUID(), ["a"]), limits)).ok);
      expect(taken).toEqual([true, true, true, false, false]);
      const elsewhere = { ...limits, address: `${address}-elsewhere` };
      expect((await subject().box.cast(request(poll, crypto.randomUUID(), ["a"]), elsewhere)).ok).toBe(true);
      expect(await queuedIn(poll)).toHaveLength(4);
    });

    it("counts nothing against a limit that is 0", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      for (let i = 0; i < 12; i++) await cast(poll, voter, "a");
      expect(await queuedIn(poll)).toHaveLength(12);
    });
  });
}
