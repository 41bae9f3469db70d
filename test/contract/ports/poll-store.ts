import { describe, expect, it } from "vitest";
import type { BallotBox, PollStore, VoteStore } from "../../../src/core/ports.ts";
import type { Poll } from "../../../src/domain/polls.ts";
import { castRequest, LONG_WINDOW_MS, newPoll, openForSuite } from "./support.ts";

export interface PollStoreSubject {
  polls: PollStore;
  /** The ballot box and vote store on the same store: a poll's voters are kept with it. */
  box: BallotBox;
  votes: VoteStore;
  close(): Promise<void>;
}

/**
 * What the vote path relies on from a PollStore, its copy of each poll: a
 * poll reads back exactly as last written (options in order, labels as
 * typed, status), so a close written there is what every process sees.
 */
export function describePollStoreContract(name: string, open: () => Promise<PollStoreSubject>): void {
  describe(`a PollStore (${name})`, () => {
    const subject = openForSuite(open);

    it("knows no poll it was never given", async () => {
      expect(await subject().polls.readPoll(newPoll().id)).toBeUndefined();
    });

    it("gives back a poll exactly as written: question, options in order, labels as typed, status", async () => {
      const poll = newPoll('Café, "thé" or 水? {"a":1}', ["=1+1", "Thé, s'il vous plaît", "1", "<b>bold</b>", "水"]);
      await subject().polls.writePoll(poll);
      expect(await subject().polls.readPoll(poll.id)).toEqual(poll);
    });

    it("answers a poll's last write: closed once closed, open once reopened", async () => {
      const poll = newPoll();
      await subject().polls.writePoll(poll);
      await subject().polls.writePoll({ ...poll, status: "closed" });
      expect(await subject().polls.readPoll(poll.id)).toEqual({ ...poll, status: "closed" });
      await subject().polls.writePoll(poll);
      expect(await subject().polls.readPoll(poll.id)).toEqual(poll);
    });

    it("gives back every setting: choices, visibility, deadlines, protection, revision, owner", async () => {
      const poll: Poll = {
        ...newPoll("Which ones?", ["One", "Two", "Three", "Four"]),
        minChoices: 2,
        maxChoices: 3,
        results: "hidden",
        revealed: true,
        opensAt: "2026-12-24T18:00:00.000Z",
        closesAt: "2026-12-24T20:30:00.000Z",
        protection: "challenge",
        revision: 4,
        countedFrom: 2,
        ownerTokenHash: "ab".repeat(32),
      };
      await subject().polls.writePoll(poll);
      expect(await subject().polls.readPoll(poll.id)).toEqual(poll);
    });

    async function vote(poll: Poll, voter = crypto.randomUUID(), address?: string) {
      const limits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: LONG_WINDOW_MS };
      const request = castRequest(poll.id, voter, ["a"], { revision: poll.revision, exclusiveAddress: address });
      return await subject().box.cast(request, limits);
    }

    it("writes an edit only while no one has voted", async () => {
      const poll = newPoll();
      await subject().polls.writePoll(poll);
      const edited = { ...poll, question: "Tea, coffee or water?", revision: 1 };
      expect(await subject().polls.writeUnvoted(edited)).toBe(true);
      expect(await subject().polls.readPoll(poll.id)).toEqual(edited);
      expect((await vote(edited)).ok).toBe(true);
      expect(await subject().polls.writeUnvoted({ ...edited, question: "Too late?", revision: 2 })).toBe(false);
      expect(await subject().polls.readPoll(poll.id)).toEqual(edited);
    });

    it("forgets a poll's voters and addresses with a reset, and takes votes under the new revision only", async () => {
      const poll = newPoll();
      await subject().polls.writePoll(poll);
      const [voter, address] = [crypto.randomUUID(), "198.51.100.20"];
      expect((await vote(poll, voter, address)).ok).toBe(true);
      const reset = { ...poll, revision: 1, countedFrom: 1 };
      await subject().polls.writeReset(reset);
      expect(await subject().polls.readPoll(poll.id)).toEqual(reset);
      expect(await subject().votes.currentChoices(poll.id, voter)).toBeNull();
      expect(await vote(poll, voter)).toEqual({ ok: false, reason: "stale" });
      // The address is free again: another voter may take it.
      expect((await vote(reset, crypto.randomUUID(), address)).ok).toBe(true);
    });

    it("forgets a deleted poll with its voters", async () => {
      const poll = newPoll();
      await subject().polls.writePoll(poll);
      const voter = crypto.randomUUID();
      expect((await vote(poll, voter)).ok).toBe(true);
      await subject().polls.deletePoll(poll.id);
      expect(await subject().polls.readPoll(poll.id)).toBeUndefined();
      expect(await subject().votes.currentChoices(poll.id, voter)).toBeNull();
    });

    it("keeps polls apart", async () => {
      const [first, second] = [newPoll("First?"), newPoll("Second?", ["Yes", "No"])];
      await subject().polls.writePoll(first);
      await subject().polls.writePoll(second);
      expect(await subject().polls.readPoll(first.id)).toEqual(first);
      expect(await subject().polls.readPoll(second.id)).toEqual(second);
    });
  });
}
