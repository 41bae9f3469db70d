import { describe, expect, it } from "vitest";
import type { PollStore } from "../../../src/core/ports.ts";
import { newPoll, openForSuite } from "./support.ts";

export interface PollStoreSubject {
  polls: PollStore;
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

    it("keeps polls apart", async () => {
      const [first, second] = [newPoll("First?"), newPoll("Second?", ["Yes", "No"])];
      await subject().polls.writePoll(first);
      await subject().polls.writePoll(second);
      expect(await subject().polls.readPoll(first.id)).toEqual(first);
      expect(await subject().polls.readPoll(second.id)).toEqual(second);
    });
  });
}
