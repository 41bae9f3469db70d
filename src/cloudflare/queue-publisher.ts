import type { VotePublisher } from "../core/ports.ts";
import { ballotMessage } from "../domain/ballots.ts";
import { shardOfVoter } from "./queue-shards.ts";

/**
 * VotePublisher on Cloudflare Queues: one JSON message per ballot (the same
 * shape as the Node stream's entries), sent to
 * the shard its voter hashes to, so one voter's ballots all go through one
 * queue while the voters spread over all of them.
 */
export function createQueuePublisher(queues: readonly Queue<unknown>[]): VotePublisher {
  if (queues.length === 0) throw new Error("createQueuePublisher needs at least one queue");
  return {
    async publish(ballot) {
      const queue = queues[shardOfVoter(ballot.voter, queues.length)];
      if (!queue) throw new Error("no queue for the ballot's shard");
      await queue.send(ballotMessage(ballot), { contentType: "json" });
    },
  };
}
