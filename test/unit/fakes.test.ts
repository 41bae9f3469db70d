import { describeBallotBoxContract } from "../contract/ports/ballot-box.ts";
import { describeCookieSignerContract } from "../contract/ports/cookie-signer.ts";
import { describePollArchiveContract } from "../contract/ports/poll-archive.ts";
import { describePollStoreContract } from "../contract/ports/poll-store.ts";
import { describeRandomnessContract } from "../contract/ports/randomness.ts";
import { describeRateLimiterContract } from "../contract/ports/rate-limiter.ts";
import { describeVoteArchiveContract } from "../contract/ports/vote-archive.ts";
import { describeVoteStoreContract } from "../contract/ports/vote-store.ts";
import { createMemoryCookieSigner } from "../fakes/cookie-signer.ts";
import { createMemoryDatabase } from "../fakes/postgres.ts";
import { createSequentialRandomness } from "../fakes/random.ts";
import { createMemoryRedis } from "../fakes/redis.ts";

// The in-memory adapters the core's unit tests run on pass the same port
// contracts as the real adapters (test/integration), so they can't drift.
const closed = async () => {};

function openMemoryArchive() {
  const database = createMemoryDatabase();
  return Promise.resolve({
    votes: database.voteArchive,
    polls: database.pollArchive,
    refuseVoter: async (voter: string) => database.refuseVoter(voter),
    close: closed,
  });
}

describeVoteArchiveContract("in memory", openMemoryArchive);
describePollArchiveContract("in memory", openMemoryArchive);

describeBallotBoxContract("in memory", async () => {
  const redis = createMemoryRedis();
  return {
    box: redis.ballotBox,
    votes: redis.voteStore,
    polls: redis.pollStore,
    queued: async () => redis.queued(),
    forgetVoter: async (poll, voter) => redis.forgetVoter(poll, voter),
    close: closed,
  };
});

describeVoteStoreContract("in memory", async () => {
  const redis = createMemoryRedis();
  return { votes: redis.voteStore, box: redis.ballotBox, close: closed };
});

describePollStoreContract("in memory", async () => {
  const redis = createMemoryRedis();
  return { polls: redis.pollStore, box: redis.ballotBox, votes: redis.voteStore, close: closed };
});

describeRateLimiterContract("in memory", async () => {
  const redis = createMemoryRedis();
  return { limiter: (options) => redis.rateLimiter(options), close: closed };
});

describeCookieSignerContract("in memory", createMemoryCookieSigner);
describeRandomnessContract("numbered", createSequentialRandomness);
