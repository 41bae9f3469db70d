import { describeVoterInBrowser } from "./browser-flow.ts";
import { startNodeTarget } from "./targets.ts";

describeVoterInBrowser("Node: npm run start:web + start:consumer", startNodeTarget);
