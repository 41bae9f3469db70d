import type { BallotBox, VotePublisher } from "../core/ports.ts";
import type { ChoiceRecorder } from "./upstash.ts";

/** BallotBox in two steps: the limits and the atomic record in Upstash, then the Cloudflare Queue. */
export function createQueueBallotBox(recordChoice: ChoiceRecorder, publisher: VotePublisher): BallotBox {
  return {
    async cast({ poll, voter, choice, castAt }, limits) {
      const recorded = await recordChoice({ poll, voter, choice }, limits);
      if (!recorded.ok) return recorded;
      const ballot = { poll, voter, choice, version: recorded.version, castAt };
      await publisher.publish(ballot);
      return { ok: true, ballot };
    },
  };
}
