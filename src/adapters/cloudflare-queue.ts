import type { Ballot } from "../domain/ballots.ts";
import type { VotePublisher } from "../ports.ts";

/** VotePublisher on a Cloudflare Queue: one JSON message per ballot. */
export function createQueuePublisher(queue: Queue<Ballot>): VotePublisher {
  return {
    async publish(ballot) {
      await queue.send(ballot, { contentType: "json" });
    },
  };
}
