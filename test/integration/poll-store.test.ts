import { describePollStoreContract } from "../contract/ports/poll-store.ts";
import { openNodeRedis, openUpstash } from "../helpers/port-subjects.ts";

describePollStoreContract("Node: Redis over TCP (src/node/poll-store.ts)", openNodeRedis);
describePollStoreContract("Workers: Upstash through the local bridge (src/cloudflare/poll-store.ts)", openUpstash);
