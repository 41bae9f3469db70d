import { describe, expect, it } from "vitest";
import type { Ballot } from "../../../src/domain/ballots.ts";
import type { BallotRow } from "../../../src/domain/csv.ts";
import type { Poll } from "../../../src/domain/polls.ts";
import { newPoll, openForSuite } from "./support.ts";
import type { ArchiveSubject } from "./vote-archive.ts";

const castAt = "2026-11-26T10:00:00.000Z";

/**
 * What creating and managing polls relies on from a PollArchive: it is the
 * record (a poll reads back as created or as last changed, with every
 * setting and its owner's token hash), the default poll is saved without an
 * owner, an edit is taken only before the first counted ballot, a reset
 * drops the ballots and counts only newer revisions after, a deletion takes
 * everything, and the ballots export names each voter's current ballot by a
 * salted hash, never by their id.
 */
export function describePollArchiveContract(name: string, open: () => Promise<ArchiveSubject>): void {
  describe(`a PollArchive (${name})`, () => {
    const archive = openForSuite(open);

    const owned = (poll: Poll, digit = "a"): Poll => ({ ...poll, ownerTokenHash: digit.repeat(64) });
    async function created(poll: Poll = owned(newPoll())): Promise<Poll> {
      await archive().polls.createPoll(poll);
      return poll;
    }
    const ballot = (
      poll: Poll,
      voter: string,
      choices: string[],
      version: number,
      revision = poll.revision,
    ): Ballot => ({
      poll: poll.id,
      voter,
      choices,
      version,
      castAt,
      revision,
    });
    const participants = async (poll: Poll) => (await archive().votes.readTallies(poll.id)).participants;

    it("gives back a poll as it was created, with its owner's token hash", async () => {
      const poll = await created(owned(newPoll('Café, "thé" or 水?', ["=1+1", "Thé, s'il vous plaît", "水"])));
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
    });

    it("gives back every setting it was created with", async () => {
      const poll = await created(
        owned({
          ...newPoll("Which ones?", ["One", "Two", "Three"]),
          minChoices: 2,
          maxChoices: 3,
          results: "after-close",
          opensAt: "2026-12-24T18:00:00.000Z",
          closesAt: "2099-12-24T20:30:00.000Z",
          protection: "address",
        }),
      );
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
    });

    it("knows nothing of a poll it never stored", async () => {
      const id = newPoll().id;
      expect(await archive().polls.readPoll(id)).toBeUndefined();
      expect(await archive().polls.setStatus(id, "closed")).toBeUndefined();
      expect(await archive().polls.reveal(id)).toBeUndefined();
      expect(await archive().polls.resetPoll(id)).toBeUndefined();
      expect(await archive().polls.editPoll({ ...newPoll(), id })).toBeUndefined();
      expect(await archive().polls.deletePoll(id)).toBe(false);
      const chunks = [];
      for await (const chunk of archive().polls.readBallots(id)) chunks.push(chunk);
      expect(chunks.flat()).toEqual([]);
    });

    it("refuses to create a second poll with an id it already has", async () => {
      const poll = await created();
      await expect(archive().polls.createPoll({ ...owned(poll, "b"), question: "Another?" })).rejects.toThrow();
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
    });

    it("closes and reopens a poll, answering the poll as it now is", async () => {
      const poll = await created();
      expect(await archive().polls.setStatus(poll.id, "closed")).toEqual({ ...poll, status: "closed" });
      expect(await archive().polls.readPoll(poll.id)).toEqual({ ...poll, status: "closed" });
      expect(await archive().polls.setStatus(poll.id, "open")).toEqual(poll);
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
    });

    it("takes a passed deadline away when a poll is reopened, and keeps a future one", async () => {
      const later = await created(owned({ ...newPoll(), closesAt: "2099-01-01T00:00:00.000Z" }));
      expect(await archive().polls.setStatus(later.id, "open")).toEqual(later);
      // The archive keeps what it is given: a deadline that has passed since the poll was created.
      const { closesAt: _, ...passed } = await created(owned({ ...newPoll(), closesAt: "2020-01-01T00:00:00.000Z" }));
      expect(await archive().polls.setStatus(passed.id, "open")).toEqual(passed);
    });

    it("reveals a poll's counts", async () => {
      const poll = await created(owned({ ...newPoll(), results: "hidden" }));
      expect(await archive().polls.reveal(poll.id)).toEqual({ ...poll, revealed: true });
      expect(await archive().polls.readPoll(poll.id)).toEqual({ ...poll, revealed: true });
    });

    it("takes an edit before the first ballot, with a new revision, and refuses one after", async () => {
      const poll = await created();
      const edit = {
        ...poll,
        question: "Tea, coffee or juice?",
        options: [...poll.options.slice(0, 2), { id: "c", label: "Juice" }],
      };
      const edited = await archive().polls.editPoll(edit);
      expect(edited).toEqual({ ...edit, revision: poll.revision + 1 });
      await archive().votes.applyBallots([ballot(edited as Poll, crypto.randomUUID(), ["c"], 1)]);
      expect(await archive().polls.editPoll({ ...(edited as Poll), question: "Too late?" })).toBe("voted");
      expect(await archive().polls.readPoll(poll.id)).toEqual(edited);
    });

    it("resets a poll: its ballots and counts are gone, and ballots cast before never count again", async () => {
      const poll = await created();
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      await archive().votes.applyBallots([ballot(poll, x, ["a"], 1), ballot(poll, y, ["b"], 1)]);
      expect(await participants(poll)).toBe(2);
      const reset = await archive().polls.resetPoll(poll.id);
      expect(reset).toEqual({ ...poll, revision: poll.revision + 1, countedFrom: poll.revision + 1 });
      expect(await archive().votes.readTallies(poll.id)).toMatchObject({ participants: 0 });
      // A ballot still on its way from before the reset, with a higher version: refused.
      const late = await archive().votes.applyBallots([ballot(poll, x, ["c"], 5)]);
      expect([...late.values()]).toEqual([{ kind: "before-reset", poll: poll.id }]);
      await archive().votes.applyBallots([ballot(reset as Poll, y, ["c"], 2)]);
      expect(await archive().votes.readTallies(poll.id)).toMatchObject({ participants: 1, options: { c: 1 } });
    });

    it("deletes a poll with its ballots; a ballot arriving after is refused as for a deleted poll", async () => {
      const poll = await created();
      const voter = crypto.randomUUID();
      await archive().votes.applyBallots([ballot(poll, voter, ["a"], 1)]);
      expect(await archive().polls.deletePoll(poll.id)).toBe(true);
      expect(await archive().polls.readPoll(poll.id)).toBeUndefined();
      expect(await archive().votes.readTallies(poll.id)).toMatchObject({ participants: 0 });
      const late = await archive().votes.applyBallots([ballot(poll, voter, ["b"], 2)]);
      expect([...late.values()]).toEqual([{ kind: "poll-deleted", poll: poll.id }]);
    });

    it("saves a poll that has no owner; saving it again changes its question and options, never its status", async () => {
      const poll = newPoll("Cats or Dogs?", ["Cats", "Dogs"]);
      await archive().polls.savePoll(poll);
      expect(await archive().polls.readPoll(poll.id)).toEqual(poll);
      await archive().polls.setStatus(poll.id, "closed");
      const renamed = { ...poll, question: "Cats or Birds?", options: [poll.options[0]!, { id: "b", label: "Birds" }] };
      await archive().polls.savePoll(renamed);
      expect(await archive().polls.readPoll(poll.id)).toEqual({ ...renamed, status: "closed" });
    });

    it("exports every voter's current ballot, oldest first, each voter as the same salted hash, never their id", async () => {
      /** Every row of the export, however it is chunked. */
      const exported = async (id: string) => {
        const rows: BallotRow[] = [];
        for await (const chunk of archive().polls.readBallots(id)) rows.push(...chunk);
        return rows;
      };
      const poll = await created(owned({ ...newPoll(), maxChoices: 2 }));
      const other = await created();
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      const at = (second: number) => `2026-11-26T10:00:0${second}Z`;
      await archive().votes.applyBallots([
        { ...ballot(poll, x, ["a"], 1), castAt: at(1) },
        { ...ballot(poll, y, ["b"], 1), castAt: at(2) },
      ]);
      await archive().votes.applyBallots([
        { ...ballot(poll, x, ["c", "a"], 2), castAt: at(3) },
        { ...ballot(other, x, ["a"], 1), castAt: at(4) },
      ]);
      const rows = await exported(poll.id);
      expect(rows.map(({ option, castAt }) => ({ option, castAt }))).toEqual([
        { option: "b", castAt: "2026-11-26T10:00:02.000Z" },
        { option: "c a", castAt: "2026-11-26T10:00:03.000Z" },
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
