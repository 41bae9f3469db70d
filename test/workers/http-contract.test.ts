import { SELF } from "cloudflare:test";
import { cacheKey } from "../../src/cloudflare/tally-cache.ts";
import { describeHttpContract, type HttpTarget, ORIGIN } from "../contract/http-contract.ts";
import { describePollsContract } from "../contract/polls-contract.ts";
import { acceptedVotes, forgetVoters, resetState, settled } from "./support.ts";

// The same HTTP contract as test/integration/http-node.test.ts, against the
// web Worker inside workerd, its queue feeding the real consumer code.
async function openWorkerTarget(): Promise<HttpTarget> {
  await resetState();
  return {
    fetch: (request) => SELF.fetch(request),
    acceptedVotes,
    forgetVoters,
    // The edge cache's entry; one written after this (the write runs after the response) is purged by the next call.
    expireCachedResults: async (poll) => void (await caches.default.delete(cacheKey(ORIGIN, poll))),
    close: () => settled(),
  };
}

describeHttpContract("Workers: the web Worker in workerd", openWorkerTarget);
describePollsContract("Workers: the web Worker in workerd", openWorkerTarget);
