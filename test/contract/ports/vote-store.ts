import { describe, expect, it } from "vitest";
import type { BallotBox, VoteStore } from "../../../src/core/ports.ts";
import { castRequest, LONG_WINDOW_MS, openForSuite, randomPollId } from "./support.ts";

/** A vote store and the ballot box whose records it reads back. */
export interface VoteStoreSubject {
  votes: VoteStore;
  box: BallotBox;
  close(): Promise<void>;
}

/**
 * What the vote page relies on from a VoteStore: each voter's current
 * choices per poll, as the ballot box last recorded them, and a ping that
 * answers while the store does (the readiness probe).
 */
export function describeVoteStoreContract(name: string, open: () => Promise<VoteStoreSubject>): void {
  describe(`a VoteStore (${name})`, () => {
    const subject = openForSuite(open);

    async function record(poll: string, voter: string, ...choices: string[]): Promise<void> {
      const limits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: LONG_WINDOW_MS };
      const result = await subject().box.cast(castRequest(poll, voter, choices), limits);
      if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
    }
    const current = (poll: string, voter: string) => subject().votes.currentChoices(poll, voter);

    it("has no choice for a voter who never voted", async () => {
      expect(await current(randomPollId(), crypto.randomUUID())).toBeNull();
    });

    it("answers the choices of the voter's latest vote", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      await record(poll, voter, "a");
      expect(await current(poll, voter)).toEqual(["a"]);
      await record(poll, voter, "c", "b");
      expect(await current(poll, voter)).toEqual(["c", "b"]);
      await record(poll, voter, "b");
      expect(await current(poll, voter)).toEqual(["b"]);
    });

    it("keeps voters and polls apart", async () => {
      const [first, second] = [randomPollId(), randomPollId()];
      const [x, y] = [crypto.randomUUID(), crypto.randomUUID()];
      await record(first, x, "a");
      await record(first, y, "b");
      await record(second, x, "b");
      expect(await current(first, x)).toEqual(["a"]);
      expect(await current(first, y)).toEqual(["b"]);
      expect(await current(second, x)).toEqual(["b"]);
      expect(await current(second, y)).toBeNull();
    });

    it("keeps a choice exactly as given, even one that looks like a number", async () => {
      const [poll, voter] = [randomPollId(), crypto.randomUUID()];
      await record(poll, voter, "1");
      expect(await current(poll, voter)).toEqual(["1"]);
    });

    it("answers a ping", async () => {
      await expect(subject().votes.ping()).resolves.toBeUndefined();
    });
  });
}
