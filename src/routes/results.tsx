import { type Context, Hono } from "hono";
import type { AppEnv } from "../app.ts";
import { findPoll } from "../cast-vote.ts";
import { type PollResults, summarizeResults } from "../domain/tallies.ts";
import { createRenderCache } from "../views/render-cache.ts";
import { ResultsFragment, ResultsPage } from "../views/results-page.tsx";

/** The results page and the fragment it polls. */
export const resultRoutes = new Hono<AppEnv>();

export async function readResults(c: Context<AppEnv>) {
  const poll = findPoll(c, c.req.query("poll"));
  return summarizeResults(poll, await c.get("deps").readTallies(poll.id));
}

const rendered = createRenderCache();
const keyOf = (results: PollResults) => `${results.poll}|${results.options.map((o) => o.votes).join(",")}`;

resultRoutes.get("/result", async (c) => {
  const results = await readResults(c);
  return c.html(rendered(`page|${keyOf(results)}`, () => <ResultsPage results={results} />));
});

resultRoutes.get("/result/fragment", async (c) => {
  c.header("Cache-Control", "no-store");
  const results = await readResults(c);
  return c.html(rendered(`fragment|${keyOf(results)}`, () => <ResultsFragment results={results} />));
});
