import { describePollsInBrowser } from "./polls-flow.ts";
import { startNodeTarget } from "./targets.ts";

describePollsInBrowser("Node: npm run start:web + start:consumer", startNodeTarget);
