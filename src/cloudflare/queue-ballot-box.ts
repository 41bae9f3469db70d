import type { BallotBox, VotePublisher } from "../core/ports.ts";
import type { ChoiceRecorder } from "./upstash.ts";

/** BallotBox in two steps: the atomic record in Upstash, then the Cloudflare Queue. */
export function createQueueBallotBox(recordChoice: ChoiceRecorder, publisher: VotePublisher): BallotBox {
  return {
    async cast({ poll, voter, choice, castAt }) {
      const version = await recordChoice(poll, voter, choice);
      const ballot = { poll, voter, choice, version, castAt };
      await publisher.publish(ballot);
      return ballot;
    },
  };
}
