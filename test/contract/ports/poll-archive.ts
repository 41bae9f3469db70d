import { describe, expect, it } from "vitest";
import type { Ballot } from "../../../src/domain/ballots.ts";
import type { BallotRow } from "../../../src/domain/csv.ts";
import { newPoll, openForSuite } from "./support.ts";
import type { ArchiveSubject } from "./vote-archive.ts";

/**
 * What creating and managing polls relies on from a PollArchive: it is the
 * record (a poll reads back as created or as last changed, its manage token
 * only as the hash given), the default poll is saved without a token, and
 * the ballots export names each voter's current ballot by a salted hash,
 * never by their id.
 */
export function describePollArchiveContract(name: string, open: () => Promise<ArchiveSubject>): void {
  describe(`a PollArchive (${name})`, () => {
    const archive = openForSuite(open);

    const hash = (digit: string) => digit.repeat(64);

    it("gives back a poll as it was created, and the hash of its manage token", async () => {
      const poll = newPoll('Café, "thé" or 水?', ["=1+1", "Thé, s'il vous plaît", "水"]);
      await archive().polls.createPoll(poll, hash("a"));
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
      expect(await archive().polls.readManageTokenHash(poll.id)).toBe(hash("a"));
    });

    it("knows nothing of a poll it never stored", async () => {
      const id = newPoll().id;
      expect(await archive().polls.readPoll(id)).toBeUndefined();
      expect(await archive().polls.readManageTokenHash(id)).toBeUndefined();
      expect(await archive().polls.setStatus(id, "closed")).toBeUndefined();
      const chunks = [];
      for await (const chunk of archive().polls.readBallots(id)) chunks.push(chunk);
      expect(chunks.flat()).toEqual([]);
    });

    it("refuses to create a second poll with an id it already has", async () => {
      const poll = newPoll();
      await archive().polls.createPoll(poll, hash("a"));
      await expect(archive().polls.createPoll({ ...poll, question: "Another?" }, hash("b"))).rejects.toThrow();
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
      expect(await archive().polls.readManageTokenHash(poll.id)).toBe(hash("a"));
    });

    it("closes and reopens a poll, answering the poll as it now is", async () => {
      const poll = newPoll();
      await archive().polls.createPoll(poll, hash("c"));
      expect(await archive().polls.setStatus(poll.id, "closed")).toEqual({ ...poll, status: "closed" });
      expect(await archive().polls.readPoll(poll.id)).toEqual({ ...poll, status: "closed" });
      expect(await archive().polls.setStatus(poll.id, "open")).toEqual(poll);
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
    });

    it("saves a poll that has no manage token; saving it again changes its question and options, never its status", async () => {
      const poll = newPoll("Cats or Dogs?", ["Cats", "Dogs"]);
      await archive().polls.savePoll(poll);
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
      expect(await archive().polls.readManageTokenHash(poll.id)).toBeNull();
      await archive().polls.setStatus(poll.id, "closed");
      const renamed = { ...poll, question: "Cats or Birds?", options: [poll.options[0]!, { id: "b", label: "Birds" }] };
      await archive().polls.savePoll(renamed);
      expect(await archive().polls.readPoll(poll.id)).toEqual({ ...renamed, status: "closed" });
    });

    it("exports every voter's current ballot, oldest first, each voter as the same salted hash, never their id", async () => {
      const poll = newPoll();
      const other = newPoll();
      /** Every row of the export, however it is chunked. */
      const exported = async (id: string) => {
        const rows: BallotRow[] = [];
        for await (const chunk of archive().polls.readBallots(id)) rows.push(...chunk);
        return rows;
      };
      await archive().polls.createPoll(poll, hash("d"));
      await archive().polls.createPoll(other, hash("e"));
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      const ballot = (at: Ballot["poll"], voter: string, choice: string, version: number, second: number) => ({
        poll: at,
        voter,
        choice,
        version,
        castAt: `2026-11-26T10:00:0${second}Z`,
      });
      await archive().votes.applyBallots([ballot(poll.id, x, "a", 1, 1), ballot(poll.id, y, "b", 1, 2)]);
      await archive().votes.applyBallots([ballot(poll.id, x, "c", 2, 3), ballot(other.id, x, "a", 1, 4)]);
      const rows = await exported(poll.id);
      expect(rows.map(({ option, castAt }) => ({ option, castAt }))).toEqual([
        { option: "b", castAt: "2026-11-26T10:00:02.000Z" },
        { option: "c", castAt: "2026-11-26T10:00:03.000Z" },
      ]);
      const [hashOfY, hashOfX] = rows.map((row) => row.voter);
      for (const voter of [hashOfX, hashOfY]) expect(voter).toMatch(/^[0-9a-f]{64}$/);
      expect(hashOfX).not.toBe(hashOfY);
      expect(hashOfX).not.toContain(x.replaceAll("-", ""));
      expect((await exported(poll.id)).map((row) => row.voter)).toEqual([hashOfY, hashOfX]);
      // Each poll has its own salt: exports of two polls can't be joined on the voter.
      const [elsewhere] = await exported(other.id);
      expect(elsewhere?.voter).toMatch(/^[0-9a-f]{64}$/);
      expect(elsewhere?.voter).not.toBe(hashOfX);
    });
  });
}
