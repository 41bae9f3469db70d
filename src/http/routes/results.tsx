import { Hono } from "hono";
import type { TallySnapshot } from "../../core/last-known-tallies.ts";
import type { LiveResults } from "../../core/read-results.ts";
import type { AppDeps } from "../deps.ts";
import type { RenderCache } from "../views/render-cache.ts";
import { ResultsFragment, ResultsPage } from "../views/results-page.tsx";
import { resultsFromRequest } from "../vote-request.ts";

const keyOf = (results: LiveResults) =>
  `${results.poll}|${results.current}|${results.options.map((o) => o.votes).join(",")}`;

/** The results page and the fragment it polls. */
export function createResultRoutes(
  deps: AppDeps,
  readTallies: (poll: string) => Promise<TallySnapshot>,
  render: RenderCache,
): Hono {
  const routes = new Hono();

  routes.get("/result", async (c) => {
    const results = await resultsFromRequest(c, deps, readTallies);
    return c.html(render(`results-page|${keyOf(results)}`, () => <ResultsPage results={results} />));
  });

  routes.get("/result/fragment", async (c) => {
    c.header("Cache-Control", "no-store");
    const results = await resultsFromRequest(c, deps, readTallies);
    return c.html(render(`results-fragment|${keyOf(results)}`, () => <ResultsFragment results={results} />));
  });

  return routes;
}
