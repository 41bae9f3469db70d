import type { BallotBox, PollStore, RateLimiter, VoteStore } from "../../src/core/ports.ts";
import type { Ballot } from "../../src/domain/ballots.ts";
import type { Poll } from "../../src/domain/polls.ts";

export interface MemoryRedisOptions {
  /** The server's clock in milliseconds: versions and limit windows are read from it. */
  now?: () => number;
  /** How long a voter's state and a poll's copy are kept after their last write; forever by default. */
  ttlSeconds?: number;
}

/**
 * What one Redis holds for the app, in memory, with its adapters, which
 * share it as the real ones share a Redis: the ballot box records a choice
 * the vote store reads back, and queues the ballot (the stream) until a
 * test drains it into processVotes.
 */
export interface MemoryRedis {
  voteStore: VoteStore;
  ballotBox: BallotBox;
  pollStore: PollStore;
  /** A fixed-window limiter counting in this Redis, as src/node/rate-limiter.ts does. */
  rateLimiter(options: { scope: string; limit: number; windowMs: number }): RateLimiter;
  /** Takes every queued ballot off the queue, oldest first, as Ballots (a real queue carries ballotMessage(ballot): map them through it for processVotes). */
  drain(): Ballot[];
  /** The ballots waiting in the queue, oldest first; they stay there. */
  queued(): Ballot[];
  /** Loses a voter's state, as its expiry or a Redis restart without persistence would. */
  forgetVoter(poll: string, voter: string): void;
  /** Loses every poll's copy, as a Redis restart without persistence would. */
  forgetPolls(): void;
  /** Until recover(), every command fails with `error`: Redis away, or full (a UnavailableError). */
  fail(error?: Error): void;
  recover(): void;
}

/** A key with a value and, like a Redis key, an optional expiry. */
interface Entry<T> {
  value: T;
  expiresAt: number;
}

export function createMemoryRedis(options: MemoryRedisOptions = {}): MemoryRedis {
  const now = options.now ?? Date.now;
  const ttlMs = options.ttlSeconds === undefined ? Number.POSITIVE_INFINITY : options.ttlSeconds * 1000;
  const voters = new Map<string, Entry<{ choices: readonly string[]; version: number }>>();
  /** Per poll: which voter votes from each client address (protection "address"). */
  const addresses = new Map<string, Map<string, string>>();
  const usedChallenges = new Map<string, Entry<true>>();
  const polls = new Map<string, Entry<Poll>>();
  const counters = new Map<string, Entry<number>>();
  let queue: Ballot[] = [];
  let lastVersion = 0;
  let failure: Error | undefined;

  function live<T>(map: Map<string, Entry<T>>, key: string): Entry<T> | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt <= now()) map.delete(key);
    return map.get(key);
  }
  /** INCR, with PEXPIRE on the first hit: the count in the window. */
  function count(key: string, windowMs: number): number {
    const entry = live(counters, key) ?? { value: 0, expiresAt: now() + windowMs };
    entry.value += 1;
    counters.set(key, entry);
    return entry.value;
  }
  /** PTTL: the milliseconds a key has left, -2 when there is no such key. */
  function msLeft(key: string): number {
    const entry = live(counters, key);
    return entry ? entry.expiresAt - now() : -2;
  }
  function answer(): void {
    if (failure) throw failure;
  }
  const voterKey = (poll: string, voter: string) => `${poll}\u0000${voter}`;
  const votersOf = (poll: string) => [...voters.keys()].filter((key) => key.startsWith(`${poll}\u0000`));
  function hasVoters(poll: string): boolean {
    return votersOf(poll).some((key) => live(voters, key) !== undefined);
  }
  function forgetVoters(poll: string): void {
    for (const key of votersOf(poll)) voters.delete(key);
    addresses.delete(poll);
  }

  return {
    voteStore: {
      async currentChoices(poll, voter) {
        answer();
        return live(voters, voterKey(poll, voter))?.value.choices ?? null;
      },
      async ping() {
        answer();
      },
    },

    ballotBox: {
      async cast(request, limits) {
        answer();
        const { poll, voter, choices, castAt } = request;
        // The checks in the script's order: revision, opening hours (the server's clock), address, limits, challenge.
        const stored = live(polls, poll)?.value;
        if (request.revision !== undefined && (stored?.revision ?? 0) !== request.revision) {
          return { ok: false, reason: "stale" };
        }
        const micros = now() * 1000;
        if (request.opensAtMicros > 0 && micros < request.opensAtMicros) return { ok: false, reason: "not-open" };
        if (request.closesAtMicros > 0 && micros >= request.closesAtMicros) return { ok: false, reason: "closed" };
        const held =
          request.exclusiveAddress === undefined ? undefined : addresses.get(poll)?.get(request.exclusiveAddress);
        if (held !== undefined && held !== voter) return { ok: false, reason: "address-taken" };
        const window = Math.floor(now() / limits.windowMs);
        const addressWindow = `votes-address:${limits.address}:${window}`;
        const voterWindow = `votes-voter:${voter}:${window}`;
        const over = (key: string, limit: number) => limit > 0 && count(key, limits.windowMs) > limit;
        // As in the script: the voter's window isn't counted once the address's is over.
        if (over(addressWindow, limits.perAddress) || over(voterWindow, limits.perVoter)) {
          const waitMs = Math.max(msLeft(addressWindow), msLeft(voterWindow), 1);
          return { ok: false, reason: "limited", retryAfter: Math.max(1, Math.ceil(waitMs / 1000)) };
        }
        if (request.challenge) {
          const key = `${poll}\u0000${request.challenge.id}`;
          if (live(usedChallenges, key)) return { ok: false, reason: "replayed" };
          usedChallenges.set(key, { value: true, expiresAt: now() + request.challenge.ttlMs });
        }
        if (request.exclusiveAddress !== undefined && held === undefined) {
          const taken = addresses.get(poll) ?? new Map<string, string>();
          taken.set(request.exclusiveAddress, voter);
          addresses.set(poll, taken);
        }
        // The server's clock in microseconds, or one more than the last version: two casts never share one.
        const key = voterKey(poll, voter);
        const previous = live(voters, key)?.value.version ?? 0;
        const version = Math.max(now() * 1000, lastVersion + 1, previous + 1);
        lastVersion = version;
        voters.set(key, { value: { choices: [...choices], version }, expiresAt: now() + ttlMs });
        const ballot = { poll, voter, choices: [...choices], version, castAt, revision: request.revision ?? 0 };
        queue.push({ ...ballot });
        return { ok: true, ballot };
      },
    },

    pollStore: {
      async readPoll(id) {
        answer();
        const entry = live(polls, id);
        return entry ? structuredClone(entry.value) : undefined;
      },
      async writePoll(poll) {
        answer();
        polls.set(poll.id, { value: structuredClone(poll), expiresAt: now() + ttlMs });
      },
      async writeUnvoted(poll) {
        answer();
        if (hasVoters(poll.id)) return false;
        polls.set(poll.id, { value: structuredClone(poll), expiresAt: now() + ttlMs });
        return true;
      },
      async writeReset(poll) {
        answer();
        forgetVoters(poll.id);
        polls.set(poll.id, { value: structuredClone(poll), expiresAt: now() + ttlMs });
      },
      async deletePoll(id) {
        answer();
        forgetVoters(id);
        polls.delete(id);
      },
    },

    rateLimiter({ scope, limit, windowMs }) {
      return {
        async take(client) {
          answer();
          const key = `rate:${scope}:${client}:${Math.floor(now() / windowMs)}`;
          if (count(key, windowMs) <= limit) return { allowed: true };
          return { allowed: false, retryAfter: Math.max(1, Math.ceil(msLeft(key) / 1000)) };
        },
      };
    },

    drain() {
      const taken = queue;
      queue = [];
      return taken;
    },
    queued: () => queue.map((ballot) => ({ ...ballot })),
    forgetVoter(poll, voter) {
      voters.delete(voterKey(poll, voter));
    },
    forgetPolls() {
      polls.clear();
    },
    fail(error = new Error("connect ECONNREFUSED 127.0.0.1:6379")) {
      failure = error;
    },
    recover() {
      failure = undefined;
    },
  };
}
