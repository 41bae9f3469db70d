import { DEFAULT_POLL_ID, isPollId, type Poll } from "../domain/polls.ts";
import type { PollStore } from "./ports.ts";
import { createSingleFlightCache } from "./single-flight.ts";

/** Polls by id for the vote path, the results and the consumer, whatever their number. */
export interface PollLookup {
  find(id: unknown): Promise<Poll | undefined>;
  /** Whether this process answers `id` from memory right now (a poll, or a known absence). */
  remembers(id: unknown): boolean;
  /** Drops what this process remembers of a poll (after this process changed it). */
  forget(id: string): void;
}

export interface PollLookupOptions {
  /** The configured default poll: always there, always open, never looked up. */
  defaultPoll: Poll;
  /** Where polls are read from: the vote store's copy (Redis, Upstash) on the web tier, the archive in the consumer. */
  source: Pick<PollStore, "readPoll"> & Partial<Pick<PollStore, "writePoll">>;
  /** The record to reload a poll from when `source` has lost it (a Redis restart, an expiry); rarely read. */
  reload?: (id: string) => Promise<Poll | undefined>;
  /**
   * Whether a reload may run now (a budget of them): ids nobody created, sent
   * at random, would otherwise cost a database query each. Denied, the id is
   * unknown for now and looked up again after `ttlMs`.
   */
  mayReload?: () => boolean;
  /** How long a poll is remembered: a close takes effect everywhere within this. */
  ttlMs: number;
  /** How long an id known to be nobody's is remembered (the record said so). */
  unknownTtlMs?: number;
  now?: () => number;
  /** At most this many ids are remembered; the oldest go first. */
  limit?: number;
}

/**
 * Polls by id, remembered for about a second per process, with one lookup in
 * flight per id however many requests ask. A poll missing from the source is
 * reloaded from the record and written back, so a store that lost its keys
 * heals on demand; an id the record doesn't know is remembered as unknown
 * for longer (a minute by default), and reloads are rationed by `mayReload`.
 */
export function createPollLookup(options: PollLookupOptions): PollLookup {
  const { defaultPoll, source, reload, ttlMs } = options;
  const unknownTtlMs = options.unknownTtlMs ?? 60_000;
  // Ids the record confirmed nobody's, until their entry is remembered (then the set lets go of them).
  const confirmedUnknown = new Set<string>();
  const remembered = createSingleFlightCache<Poll | undefined>({
    ttlMs,
    ttlFor: (poll, id) => (confirmedUnknown.delete(id) && poll === undefined ? unknownTtlMs : ttlMs),
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });

  async function lookUp(id: string): Promise<Poll | undefined> {
    const stored = await source.readPoll(id);
    if (stored) return stored;
    if (reload && options.mayReload && !options.mayReload()) return undefined;
    const recorded = reload ? await reload(id) : undefined;
    if (!recorded) {
      confirmedUnknown.add(id);
      return undefined;
    }
    await source.writePoll?.(recorded);
    return recorded;
  }

  return {
    find(id) {
      if (id === defaultPoll.id) return Promise.resolve(defaultPoll);
      if (!isPollId(id)) return Promise.resolve(undefined);
      return remembered.get(id, () => lookUp(id));
    },
    remembers(id) {
      return id === defaultPoll.id || !isPollId(id) || remembered.has(id);
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
