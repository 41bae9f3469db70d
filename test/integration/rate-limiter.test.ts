import { describeRateLimiterContract } from "../contract/ports/rate-limiter.ts";
import { openNodeRedis, openUpstash } from "../helpers/port-subjects.ts";

describeRateLimiterContract("Node: a fixed window in a Redis script (src/node/rate-limiter.ts)", openNodeRedis);
describeRateLimiterContract(
  "Workers: @upstash/ratelimit through the local bridge (src/cloudflare/rate-limiter.ts)",
  openUpstash,
);
