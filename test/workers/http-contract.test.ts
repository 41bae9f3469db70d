import { SELF } from "cloudflare:test";
import { describeHttpContract } from "../contract/http-contract.ts";
import { acceptedVotes, forgetVoters, resetState, settled } from "./support.ts";

// The same HTTP contract as test/integration/http-node.test.ts, against the
// web Worker inside workerd, its queue feeding the real consumer code.
describeHttpContract("Workers: the web Worker in workerd", async () => {
  await resetState();
  return {
    fetch: (request) => SELF.fetch(request),
    acceptedVotes,
    forgetVoters,
    close: () => settled(),
  };
});
