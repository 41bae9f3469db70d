import { describe, expect, it } from "vitest";
import { PermanentArchiveError, type PollArchive, type VoteArchive } from "../../../src/core/ports.ts";
import type { Ballot } from "../../../src/domain/ballots.ts";
import { countChoices } from "../../helpers/invariants.ts";
import { chunk, deliveries, seeded, votingHistory } from "../../helpers/voting-history.ts";
import { newPoll, nonZero, openForSuite } from "./support.ts";

/** The durable record a contract runs on: its two ports share one database. */
export interface ArchiveSubject {
  votes: VoteArchive;
  polls: PollArchive;
  /** From now on the database refuses any write of this voter's ballots as bad data (a CHECK constraint). */
  refuseVoter(voter: string): Promise<void>;
  close(): Promise<void>;
}

const castAt = "2026-11-26T10:00:00.000Z";

/**
 * What the consumer relies on from a VoteArchive (DESIGN, "Data flow"):
 * the highest version per voter wins and the tallies follow it, whatever
 * the order, repetition and batching of deliveries; a closed poll's counts
 * are final; data the database refuses is reported as permanent, and a
 * batch is applied whole or not at all.
 */
export function describeVoteArchiveContract(name: string, open: () => Promise<ArchiveSubject>): void {
  describe(`a VoteArchive (${name})`, () => {
    const archive = openForSuite(open);

    async function openPoll() {
      const poll = newPoll();
      await archive().polls.createPoll({ ...poll, ownerTokenHash: "0".repeat(64) });
      return poll.id;
    }
    const ballot = (poll: string, voter: string, choice: string | string[], version: number): Ballot => ({
      poll,
      voter,
      choices: typeof choice === "string" ? [choice] : choice,
      version,
      castAt,
      revision: 0,
    });
    const counts = async (poll: string) => nonZero(await archive().votes.readTallies(poll));

    it("has no counts for a poll nobody voted in", async () => {
      expect(await counts(await openPoll())).toEqual({});
    });

    it("counts a voter's first ballot, and moves the count when a newer ballot changes their mind", async () => {
      const poll = await openPoll();
      const voter = crypto.randomUUID();
      expect((await archive().votes.applyBallots([ballot(poll, voter, "a", 1)])).size).toBe(0);
      expect(await counts(poll)).toEqual({ a: 1 });
      expect((await archive().votes.applyBallots([ballot(poll, voter, "b", 2)])).size).toBe(0);
      expect(await counts(poll)).toEqual({ b: 1 });
    });

    it("keeps a voter's newest ballot whichever arrives first, across batches and within one", async () => {
      const poll = await openPoll();
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      await archive().votes.applyBallots([ballot(poll, x, "b", 2)]);
      await archive().votes.applyBallots([ballot(poll, x, "a", 1)]);
      await archive().votes.applyBallots([ballot(poll, y, "c", 3), ballot(poll, y, "a", 1), ballot(poll, y, "b", 2)]);
      expect(await counts(poll)).toEqual({ b: 1, c: 1 });
    });

    it("changes nothing when a batch is delivered again", async () => {
      const poll = await openPoll();
      const batch = [ballot(poll, crypto.randomUUID(), "a", 1), ballot(poll, crypto.randomUUID(), "b", 4)];
      await archive().votes.applyBallots(batch);
      await archive().votes.applyBallots(batch);
      await archive().votes.applyBallots([...batch].reverse());
      expect(await counts(poll)).toEqual({ a: 1, b: 1 });
    });

    it("ends with every voter's last choice however ballots are shuffled, repeated and batched", async () => {
      const random = seeded(2026);
      const poll = await openPoll();
      const { ballots, last } = votingHistory(40, 5, random, { poll, choices: ["a", "b", "c"] });
      for (const batch of chunk(deliveries(ballots, random), () => 1 + Math.floor(random() * 25))) {
        await archive().votes.applyBallots(batch);
      }
      expect(await counts(poll)).toEqual(countChoices(last.values()));
    });

    it("counts each option of a multi-select ballot, and the voter once", async () => {
      const poll = newPoll("Which ones?", ["One", "Two", "Three"]);
      await archive().polls.createPoll({ ...poll, maxChoices: 3, ownerTokenHash: "1".repeat(64) });
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      await archive().votes.applyBallots([ballot(poll.id, x, ["a", "c"], 1), ballot(poll.id, y, ["c"], 1)]);
      expect(await archive().votes.readTallies(poll.id)).toMatchObject({ participants: 2 });
      expect(await counts(poll.id)).toEqual({ a: 1, c: 2 });
      await archive().votes.applyBallots([ballot(poll.id, x, ["b"], 2)]);
      expect(await counts(poll.id)).toEqual({ b: 1, c: 1 });
      expect(await archive().votes.readTallies(poll.id)).toMatchObject({ participants: 2 });
    });

    it("counts a ballot only if the vote store took it between opensAt and closesAt (its version is that clock)", async () => {
      const poll = newPoll();
      const [opensAt, closesAt] = ["2026-11-26T10:00:00.000Z", "2026-11-26T11:00:00.000Z"];
      await archive().polls.createPoll({ ...poll, opensAt, closesAt, ownerTokenHash: "2".repeat(64) });
      const micros = (iso: string) => Date.parse(iso) * 1000;
      const [early, inTime, late] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
      const refused = await archive().votes.applyBallots([
        ballot(poll.id, early, "a", micros(opensAt) - 1),
        ballot(poll.id, inTime, "b", micros(closesAt) - 1),
        ballot(poll.id, late, "c", micros(closesAt)),
      ]);
      expect([...refused.entries()]).toEqual([
        [0, { kind: "before-open", poll: poll.id }],
        [2, { kind: "after-close", poll: poll.id }],
      ]);
      expect(await counts(poll.id)).toEqual({ b: 1 });
    });

    it("keeps polls apart", async () => {
      const [first, second] = [await openPoll(), await openPoll()];
      const voter = crypto.randomUUID();
      await archive().votes.applyBallots([ballot(first, voter, "a", 1), ballot(second, voter, "b", 1)]);
      expect(await counts(first)).toEqual({ a: 1 });
      expect(await counts(second)).toEqual({ b: 1 });
    });

    it("refuses a closed poll's ballots by position, counting none, and applies the rest of the batch", async () => {
      const [closed, other] = [await openPoll(), await openPoll()];
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      await archive().votes.applyBallots([ballot(closed, x, "a", 1)]);
      await archive().polls.setStatus(closed, "closed");
      const refused = await archive().votes.applyBallots([
        ballot(other, x, "b", 1),
        ballot(closed, x, "b", 2),
        ballot(closed, y, "c", 1),
      ]);
      expect([...refused.entries()]).toEqual([
        [1, { kind: "poll-closed", poll: closed }],
        [2, { kind: "poll-closed", poll: closed }],
      ]);
      expect(await counts(closed)).toEqual({ a: 1 });
      expect(await counts(other)).toEqual({ b: 1 });
    });

    it("takes a poll's ballots again once it is reopened", async () => {
      const poll = await openPoll();
      await archive().polls.setStatus(poll, "closed");
      await archive().polls.setStatus(poll, "open");
      const voter = crypto.randomUUID();
      expect((await archive().votes.applyBallots([ballot(poll, voter, "c", 1)])).size).toBe(0);
      expect(await counts(poll)).toEqual({ c: 1 });
    });

    it("never counts a ballot of a poll it has no record of", async () => {
      const unknown = "NoSuchPoll01";
      const refused = await archive().votes.applyBallots([ballot(unknown, crypto.randomUUID(), "a", 1)]);
      expect(refused.get(0)).toBeDefined();
      expect(await counts(unknown)).toEqual({});
    });

    it("reports data the database refuses as permanent, and writes nothing of that batch", async () => {
      const poll = await openPoll();
      const refusedVoter = crypto.randomUUID();
      await archive().refuseVoter(refusedVoter);
      const good = [ballot(poll, crypto.randomUUID(), "a", 1), ballot(poll, crypto.randomUUID(), "b", 1)];
      await expect(
        archive().votes.applyBallots([good[0]!, ballot(poll, refusedVoter, "c", 1), good[1]!]),
      ).rejects.toBeInstanceOf(PermanentArchiveError);
      expect(await counts(poll)).toEqual({});
      await archive().votes.applyBallots(good);
      expect(await counts(poll)).toEqual({ a: 1, b: 1 });
    });

    it("answers a ping", async () => {
      await expect(archive().votes.ping()).resolves.toBeUndefined();
    });
  });
}
