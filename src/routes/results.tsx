import { type Context, Hono } from "hono";
import type { AppEnv } from "../app.ts";
import { findPoll } from "../cast-vote.ts";
import { summarizeResults } from "../domain/tallies.ts";
import { ResultsFragment, ResultsPage } from "../views/results-page.tsx";

/** The results page and the fragment it polls. */
export const resultRoutes = new Hono<AppEnv>();

export async function readResults(c: Context<AppEnv>) {
  const poll = findPoll(c, c.req.query("poll"));
  return summarizeResults(poll, await c.get("deps").readTallies(poll.id));
}

resultRoutes.get("/result", async (c) => c.html(<ResultsPage results={await readResults(c)} />));

resultRoutes.get("/result/fragment", async (c) => {
  c.header("Cache-Control", "no-store");
  return c.html(<ResultsFragment results={await readResults(c)} />);
});
