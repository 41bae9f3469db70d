import { describeHostileInput } from "../contract/hostile-input.ts";
import { openNodeTarget } from "../helpers/node-target.ts";

// Property-based: fast-check throws every shape of body at the write routes
// of the Node web tier (its own database and key prefix per test), a consumer
// draining the stream into PostgreSQL: the target of the HTTP contract too.
describeHostileInput("Node: Redis Streams and PostgreSQL", () => openNodeTarget({ POLL_CREATE_RATE_LIMIT: "0" }), {
  numRuns: 200,
});
