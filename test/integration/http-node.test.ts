import { describeHttpContract } from "../contract/http-contract.ts";
import { describePollsContract } from "../contract/polls-contract.ts";
import { openNodeTarget } from "../helpers/node-target.ts";

const open = () => openNodeTarget();

describeHttpContract("Node: createApp with Redis Streams and PostgreSQL", open);
describePollsContract("Node: createApp with Redis Streams and PostgreSQL", open);
