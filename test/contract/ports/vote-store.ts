import { describe, expect, it } from "vitest";
import type { BallotBox, VoteStore } from "../../../src/core/ports.ts";
import { LONG_WINDOW_MS, openForSuite, randomPollId } from "./support.ts";

/** A vote store and the ballot box whose records it reads back. */
export interface VoteStoreSubject {
  votes: VoteStore;
  box: BallotBox;
  close(): Promise<void>;
}

/**
 * What the vote page relies on from a VoteStore: each voter's current
 * choice per poll, as the ballot box last recorded it, and a ping that
 * answers while the store does (the readiness probe).
 */
export function describeVoteStoreContract(name: string, open: () => Promise<VoteStoreSubject>): void {
  describe(`a VoteStore (${name})`, () => {
    const subject = openForSuite(open);

    async function record(poll: string, voter: string, choice: string): Promise<void> {
      const limits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: LONG_WINDOW_MS };
      const result = await subject().box.cast({ poll, voter, choice, castAt: new Date().toISOString() }, limits);
      if (!result.ok) throw new Error("refused by a limit that is off");
    }

    it("has no choice for a voter who never voted", async () => {
      expect(await subject().votes.currentChoice(randomPollId(), crypto.randomUUID())).toBeNull();
    });

    it("answers the choice of the voter's latest vote", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      await record(poll, voter, "a");
      expect(await subject().votes.currentChoice(poll, voter)).toBe("a");
      await record(poll, voter, "c");
      expect(await subject().votes.currentChoice(poll, voter)).toBe("c");
    });

    it("keeps voters and polls apart", async () => {
      const [first, second] = [randomPollId(), randomPollId()];
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      await record(first, x, "a");
      await record(first, y, "b");
      await record(second, x, "b");
      expect(await subject().votes.currentChoice(first, x)).toBe("a");
      expect(await subject().votes.currentChoice(first, y)).toBe("b");
      expect(await subject().votes.currentChoice(second, x)).toBe("b");
      expect(await subject().votes.currentChoice(second, y)).toBeNull();
    });

    it("keeps a choice exactly as given, even one that looks like a number", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      await record(poll, voter, "1");
      expect(await subject().votes.currentChoice(poll, voter)).toBe("1");
    });

    it("answers a ping", async () => {
      await expect(subject().votes.ping()).resolves.toBeUndefined();
    });
  });
}
