import { DEFAULT_POLL_ID, isPollId, type Poll } from "../domain/polls.ts";
import type { PollStore } from "./ports.ts";
import { createSingleFlightCache } from "./single-flight.ts";

/** Polls by id for the vote path, the results and the consumer, whatever their number. */
export interface PollLookup {
  find(id: unknown): Promise<Poll | undefined>;
  /** Drops what this process remembers of a poll (after this process changed it). */
  forget(id: string): void;
}

export interface PollLookupOptions {
  /** The configured default poll: always there, always open, never looked up. */
  defaultPoll: Poll;
  /** Where polls are read from: the vote store's copy (Redis, Upstash) on the web tier, the archive in the consumer. */
  source: Pick<PollStore, "readPoll"> & Partial<Pick<PollStore, "writePoll">>;
  /** The record to reload a poll from when `source` has lost it (a Redis restart); rarely read. */
  reload?: (id: string) => Promise<Poll | undefined>;
  /** How long a poll (or its absence) is remembered: a close takes effect everywhere within this. */
  ttlMs: number;
  now?: () => number;
  /** At most this many polls are remembered; the oldest go first. */
  limit?: number;
}

/**
 * Polls by id, remembered for about a second per process, with one lookup in
 * flight per poll however many requests ask. A poll missing from the source
 * is reloaded from the record and written back, so a store that lost its keys
 * heals on demand.
 */
export function createPollLookup(options: PollLookupOptions): PollLookup {
  const { defaultPoll, source, reload, ttlMs } = options;
  const remembered = createSingleFlightCache<Poll | undefined>({
    ttlMs,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });

  async function lookUp(id: string): Promise<Poll | undefined> {
    const stored = await source.readPoll(id);
    if (stored || !reload) return stored;
    const recorded = await reload(id);
    if (recorded) await source.writePoll?.(recorded);
    return recorded;
  }

  return {
    find(id) {
      if (id === defaultPoll.id) return Promise.resolve(defaultPoll);
      if (!isPollId(id)) return Promise.resolve(undefined);
      return remembered.get(id, () => lookUp(id));
    },
    forget(id) {
      remembered.forget(id);
    },
  };
}

/** The poll a client named (or the default one when it named none); undefined when there is no such poll. */
export function findPoll(polls: PollLookup, pollId: unknown): Promise<Poll | undefined> {
  return polls.find(pollId === undefined || pollId === null || pollId === "" ? DEFAULT_POLL_ID : pollId);
}
