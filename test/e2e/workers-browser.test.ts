import { describeVoterInBrowser } from "./browser-flow.ts";
import { startWorkersTarget } from "./targets.ts";

describeVoterInBrowser("Workers: npm run dev (wrangler dev, both Workers)", startWorkersTarget);
