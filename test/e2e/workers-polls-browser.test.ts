import { describePollsInBrowser } from "./polls-flow.ts";
import { startWorkersTarget } from "./targets.ts";

describePollsInBrowser("Workers: npm run dev (wrangler dev, both Workers)", startWorkersTarget);
