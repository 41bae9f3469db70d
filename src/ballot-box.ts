import type { BallotBox, VotePublisher, VoteStore } from "./ports.ts";

/** A BallotBox made of two steps: the atomic record in the store, then the queue (the Workers wiring). */
export function createTwoStepBallotBox(store: VoteStore, publisher: VotePublisher): BallotBox {
  return {
    async cast({ poll, voter, choice, castAt }) {
      const version = await store.recordChoice(poll, voter, choice);
      const ballot = { poll, voter, choice, version, castAt };
      await publisher.publish(ballot);
      return ballot;
    },
  };
}
