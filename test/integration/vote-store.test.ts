import { describeVoteStoreContract } from "../contract/ports/vote-store.ts";
import { openNodeRedis, openUpstash } from "../helpers/port-subjects.ts";

describeVoteStoreContract("Node: Redis over TCP (src/node/vote-store.ts)", openNodeRedis);
describeVoteStoreContract("Workers: Upstash through the local bridge (src/cloudflare/vote-store.ts)", openUpstash);
