import { describeError } from "../core/logger.ts";
import type { Logger, VoteArchive } from "../core/ports.ts";
import { tallyNoticesChannel } from "../redis/keys.ts";
import type { RedisClient } from "./redis-client.ts";

/**
 * Counts move when the consumer commits, not on the web's timer: after each
 * batch the consumer publishes the polls it wrote on a Redis channel, and
 * every web process tells its results cache, which reads those counts again
 * soon instead of at the end of its interval. A notice is a hint: one that
 * is lost (a reconnect, a restart) leaves the counts to the interval, as
 * before. Node only: a Worker's edge cache has no such channel.
 */

/** The archive, publishing after each committed batch the polls whose ballots it applied. */
export function announcingChanges(
  archive: VoteArchive,
  redis: RedisClient,
  prefix: string,
  logger: Logger,
): VoteArchive {
  const channel = tallyNoticesChannel(prefix);
  let lastWarned = 0;
  return {
    ...archive,
    async applyBallots(ballots) {
      const refused = await archive.applyBallots(ballots);
      const polls = new Set<string>();
      ballots.forEach((ballot, position) => {
        if (!refused.has(position)) polls.add(ballot.poll);
      });
      if (polls.size > 0) {
        // Not awaited: the batch is committed whatever becomes of its notice.
        redis.publish(channel, JSON.stringify([...polls])).catch((error: unknown) => {
          if (Date.now() - lastWarned < 5_000) return;
          lastWarned = Date.now();
          logger.warn("tallies.notice_failed", describeError(error));
        });
      }
      return refused;
    },
  };
}

/**
 * Listens on `subscriber` (a connection of its own: a subscribed connection
 * can do nothing else) and calls `changed` for each poll a notice names.
 * node-redis subscribes again by itself after a reconnect.
 */
export async function listenForChanges(
  subscriber: RedisClient,
  prefix: string,
  changed: (poll: string) => void,
  logger: Logger,
): Promise<void> {
  await subscriber.subscribe(tallyNoticesChannel(prefix), (message) => {
    let polls: unknown;
    try {
      polls = JSON.parse(message);
    } catch {
      polls = undefined;
    }
    if (!Array.isArray(polls)) {
      logger.warn("tallies.notice_unreadable", { length: message.length });
      return;
    }
    for (const poll of polls) if (typeof poll === "string") changed(poll);
  });
}
