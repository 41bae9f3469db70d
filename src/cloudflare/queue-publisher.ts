import type { VotePublisher } from "../core/ports.ts";
import type { Ballot } from "../domain/ballots.ts";

/** VotePublisher on a Cloudflare Queue: one JSON message per ballot. */
export function createQueuePublisher(queue: Queue<Ballot>): VotePublisher {
  return {
    async publish(ballot) {
      await queue.send(ballot, { contentType: "json" });
    },
  };
}
