import { describeError } from "../core/logger.ts";
import { type BallotBox, type Logger, UnavailableError, type VotePublisher } from "../core/ports.ts";
import type { ChoiceRecorder } from "./choice-recorder.ts";

/** How long a voter whose ballot the queue refused is asked to wait before trying again. */
const RETRY_AFTER_SECONDS = 5;

/**
 * BallotBox in two steps: the limits and the atomic record in Upstash, then
 * the Cloudflare Queue. When the queue refuses the ballot (over its rate,
 * an outage), the record is undone, so Upstash never shows a
 * choice that will not be counted, and the voter is told to try again (503).
 */
export function createBallotBox(recorder: ChoiceRecorder, publisher: VotePublisher, logger: Logger): BallotBox {
  return {
    async cast(vote, limits) {
      const recorded = await recorder.record(vote, limits);
      if (!recorded.ok) return recorded;
      const { poll, voter, choices, castAt } = vote;
      const ballot = { poll, voter, choices, version: recorded.version, castAt, revision: vote.revision ?? 0 };
      try {
        await publisher.publish(ballot);
      } catch (error) {
        try {
          await recorder.undo(vote, recorded);
        } catch (undoError) {
          // Upstash now shows a choice the queue never got; the voter's next vote replaces it.
          logger.error("vote.undo_failed", { ...describeError(undoError), poll, version: recorded.version });
        }
        throw new UnavailableError("the queue refused the ballot", RETRY_AFTER_SECONDS, { cause: error });
      }
      return { ok: true, ballot };
    },
  };
}
