import { isPollId, type Poll } from "../domain/polls.ts";
import type { PollStore } from "./ports.ts";
import { createSingleFlightCache } from "./single-flight.ts";

/** Finds polls by id for the vote path and the results, whatever their number. */
export interface PollDirectory {
  find(id: unknown): Promise<Poll | undefined>;
  /** Drops what this process remembers of a poll (after this process changed it). */
  forget(id: string): void;
}

export interface PollDirectoryOptions {
  /** The configured default poll: always there, always open, never looked up. */
  defaultPoll: Poll;
  /** Where polls are read from on the vote path (Redis, Upstash; the consumer reads PostgreSQL). */
  store: Pick<PollStore, "readPoll"> & Partial<Pick<PollStore, "writePoll">>;
  /** The record to reload a poll from when the store has lost it (a Redis restart); rarely read. */
  reload?: (id: string) => Promise<Poll | undefined>;
  /** How long a poll (or its absence) is remembered: a close takes effect everywhere within this. */
  ttlMs: number;
  now?: () => number;
  /** At most this many polls are remembered; the oldest go first. */
  limit?: number;
}

/**
 * Polls by id, remembered for about a second per process, with one lookup in
 * flight per poll however many requests ask. A poll missing from the store is
 * reloaded from the record and written back, so a store that lost its keys
 * heals on demand.
 */
export function createPollDirectory(options: PollDirectoryOptions): PollDirectory {
  const { defaultPoll, store, reload, ttlMs } = options;
  const remembered = createSingleFlightCache<Poll | undefined>({
    ttlMs,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });

  async function lookUp(id: string): Promise<Poll | undefined> {
    const stored = await store.readPoll(id);
    if (stored || !reload) return stored;
    const recorded = await reload(id);
    if (recorded) await store.writePoll?.(recorded);
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
