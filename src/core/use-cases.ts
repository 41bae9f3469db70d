import { addressKey } from "../domain/addresses.ts";
import type { BallotRow } from "../domain/csv.ts";
import { DEFAULT_POLL_ID, type DraftInput, type Poll, type PollStatus } from "../domain/polls.ts";
import { type CastVoteInput, type CastVoteOutcome, castVote } from "./cast-vote.ts";
import { createLastKnownTallyReader } from "./last-known-tallies.ts";
import {
  authorizeManager,
  type CreatePollOutcome,
  createPoll,
  deletePoll,
  type EditOutcome,
  editPoll,
  exportBallots,
  type ManageOutcome,
  ownsPoll,
  type PollDeps,
  type Refused,
  resetPoll,
  revealPoll,
  setPollStatus,
} from "./manage-polls.ts";
import { createPollLookup, findPoll } from "./poll-lookup.ts";
import {
  type BallotBox,
  type Challenges,
  type Clock,
  type Logger,
  type PollArchive,
  type PollStore,
  type Randomness,
  type RateLimiter,
  type TallyReader,
  TooManyRequestsError,
  type VoteStore,
} from "./ports.ts";
import { createRandomness } from "./random.ts";
import { type LiveResults, readResults, type ViewerOf } from "./read-results.ts";
import { createTokenBuckets } from "./token-buckets.ts";

/** How long each process remembers a poll: a close takes effect everywhere within about this. */
const POLL_TTL_MS = 1_000;
/** Polls reloaded from the record because the vote store lacked them, per process: a Redis restart heals at this pace. */
const RELOADS = { perSecond: 20, burst: 100 };
/** Unknown polls one client (an IPv6 /64) may ask this process for: 30 at once, then one a second. */
const UNKNOWN_POLLS_PER_CLIENT = { perSecond: 1, burst: 30 };

/** The ports and settings the web tier's use cases run on; each runtime wires its own adapters. */
export interface UseCaseDeps {
  defaultPoll: Poll;
  /** Votes per client address and per voter per minute (VOTE_RATE_LIMIT, VOTER_RATE_LIMIT); 0 is off. */
  voteLimits: { perAddress: number; perVoter: number };
  voteStore: VoteStore;
  ballotBox: BallotBox;
  /** Counts of a poll; the runtime decides how they are cached. */
  readTallies: TallyReader;
  /** The vote path's copy of the polls (Redis, Upstash). */
  pollStore: PollStore;
  /** The record of polls (PostgreSQL): creating and managing, and reloading a poll the store lost. */
  pollArchive: PollArchive;
  /** Polls per client per hour (POLL_CREATE_RATE_LIMIT); absent when off. */
  pollCreateLimiter?: RateLimiter | undefined;
  /** New poll ids and manage tokens; WebCrypto's random source by default. */
  random?: Randomness | undefined;
  logger: Logger;
  /** Proof-of-work challenges, for polls with protection "challenge". */
  challenges?: Challenges | undefined;
  /** Time stamps of ballots, deadlines (a fixed clock in tests); the system clock by default. */
  clock?: Clock | undefined;
  /** How long a poll is remembered in this process (tests set their own). */
  pollTtlMs?: number;
}

/** What the web tier can do, each use case wired once to its ports. */
export interface UseCases {
  /** The poll a client named (the default one when it named none); undefined when there is no such poll. */
  findPoll(pollId: unknown, client?: string): Promise<Poll | undefined>;
  /** The options of the voter's current ballot in a poll, or null. */
  currentChoices(poll: Poll, voter: string): Promise<readonly string[] | null>;
  castVote(input: CastVoteInput): Promise<CastVoteOutcome>;
  /** A poll's counts as this viewer may see them, or the last ones read (marked not current) while the database is away. */
  readResults(pollId: unknown, client?: string, viewerOf?: ViewerOf): Promise<LiveResults | undefined>;
  /** Whether a token is the poll's manage token. */
  ownsPoll(poll: Poll, token: string | undefined): Promise<boolean>;
  /** A new challenge for a vote in a poll with protection "challenge"; undefined when there is no such poll. */
  createChallenge(poll: Poll): Promise<unknown>;
  createPoll(input: DraftInput & { client: string | undefined }): Promise<CreatePollOutcome>;
  authorizeManager(pollId: unknown, token: string | undefined): Promise<ManageOutcome>;
  setPollStatus(pollId: unknown, token: string | undefined, status: PollStatus): Promise<ManageOutcome>;
  revealPoll(pollId: unknown, token: string | undefined): Promise<ManageOutcome>;
  resetPoll(pollId: unknown, token: string | undefined): Promise<ManageOutcome>;
  deletePoll(pollId: unknown, token: string | undefined): Promise<ManageOutcome>;
  editPoll(
    pollId: unknown,
    token: string | undefined,
    edit: { question?: unknown; options?: unknown },
  ): Promise<EditOutcome>;
  exportBallots(
    pollId: unknown,
    token: string | undefined,
  ): Promise<{ ok: true; poll: Poll; rows: AsyncIterable<BallotRow[]> } | Refused>;
}

/** Wires the use cases once, for the life of an app. */
export function createUseCases(deps: UseCaseDeps): UseCases {
  const reloads = createTokenBuckets(RELOADS);
  const polls = createPollLookup({
    defaultPoll: deps.defaultPoll,
    source: deps.pollStore,
    reload: (id) => deps.pollArchive.readPoll(id),
    mayReload: () => reloads.take("all"),
    ttlMs: deps.pollTtlMs ?? POLL_TTL_MS,
  });
  const misses = createTokenBuckets(UNKNOWN_POLLS_PER_CLIENT);
  /** findPoll, with a budget of unknown polls per client: ids at random can't each cost the stores a read. */
  async function findPollFor(pollId: unknown, client: string | undefined): Promise<Poll | undefined> {
    const key = addressKey(client);
    if (client !== undefined && misses.empty(key) && !polls.remembers(pollId ?? DEFAULT_POLL_ID)) {
      throw new TooManyRequestsError("Too many unknown polls from your address.", misses.secondsUntilToken(key));
    }
    const poll = await findPoll(polls, pollId);
    if (!poll && client !== undefined) misses.take(key);
    return poll;
  }
  const now = () => deps.clock?.now().getTime() ?? Date.now();
  const results = {
    findPoll: findPollFor,
    readTallies: createLastKnownTallyReader(deps.readTallies, deps.logger),
    now,
  };
  const casting = {
    findPoll: findPollFor,
    forgetPoll: (id: string) => polls.forget(id),
    ballotBox: deps.ballotBox,
    limits: deps.voteLimits,
    challenges: deps.challenges,
    clock: deps.clock,
  };
  const managing: PollDeps = {
    archive: deps.pollArchive,
    store: deps.pollStore,
    lookup: polls,
    random: deps.random ?? createRandomness(),
    createLimiter: deps.pollCreateLimiter,
  };
  return {
    findPoll: findPollFor,
    currentChoices: (poll, voter) => deps.voteStore.currentChoices(poll.id, voter),
    castVote: (input) => castVote(casting, input),
    readResults: (pollId, client, viewerOf) => readResults(results, pollId, client, viewerOf),
    ownsPoll,
    async createChallenge(poll) {
      if (!deps.challenges) throw new Error("no challenges are configured");
      return deps.challenges.create(poll.id);
    },
    createPoll: (input) => createPoll(managing, input, now()),
    authorizeManager: (pollId, token) => authorizeManager(managing, pollId, token),
    setPollStatus: (pollId, token, status) => setPollStatus(managing, pollId, token, status),
    revealPoll: (pollId, token) => revealPoll(managing, pollId, token),
    resetPoll: (pollId, token) => resetPoll(managing, pollId, token),
    deletePoll: (pollId, token) => deletePoll(managing, pollId, token),
    editPoll: (pollId, token, edit) => editPoll(managing, pollId, token, edit),
    exportBallots: (pollId, token) => exportBallots(managing, pollId, token),
  };
}
