import { SELF } from "cloudflare:test";
import { describeHostileInput, type HostileTarget } from "../contract/hostile-input.ts";
import { database, resetState, settled } from "./support.ts";

// The hostile-input properties of test/integration/hostile-input.property.test.ts
// against the web Worker in workerd, its queue feeding the real consumer
// code; fewer runs, workerd being slower. Each request comes from its own
// address (CF-Connecting-IP), as many clients would: the per-address limit
// on creating polls would otherwise refuse most of them.
async function openWorkerTarget(): Promise<HostileTarget & { close(): Promise<void> }> {
  await resetState();
  return {
    fetch: (request) => SELF.fetch(request),
    database: (work) => database(work),
    close: () => settled(),
  };
}

let client = 0;
function fromAnotherAddress(): Record<string, string> {
  client++;
  return { "CF-Connecting-IP": `198.51.${(client >> 8) & 255}.${client & 255}` };
}

describeHostileInput("Workers: the web Worker in workerd", openWorkerTarget, {
  numRuns: 100,
  headers: fromAnotherAddress,
});
