import { type Context, Hono } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { LiveResults } from "../../core/read-results.ts";
import type { AppServices } from "../deps.ts";
import { ResultsFragment, ResultsPage } from "../views/results-page.tsx";
import { resultsOf } from "../vote-request.ts";

/** htmx stops polling on this status (htmx 2): a closed poll's counts are final. */
const STOP_POLLING = 286;

const keyOf = (results: LiveResults) =>
  `${results.poll}|${results.status}|${results.current}|${results.options.map((o) => o.votes).join(",")}`;

/** The results pages and the fragments they poll: /result for the default poll, /p/:poll/results for any. */
export function createResultRoutes(services: AppServices): Hono {
  const { render } = services;
  const routes = new Hono();

  async function page(c: Context, pollId: unknown) {
    const results = await resultsOf(services, pollId);
    return c.html(render(`results-page|${keyOf(results)}`, () => <ResultsPage results={results} />));
  }

  async function fragment(c: Context, pollId: unknown) {
    c.header("Cache-Control", "no-store");
    const results = await resultsOf(services, pollId);
    const html = render(`results-fragment|${keyOf(results)}`, () => <ResultsFragment results={results} />);
    const status = results.status === "closed" && c.req.header("hx-request") === "true" ? STOP_POLLING : 200;
    // 286 is htmx's own status, unknown to hono's types.
    return c.html(html, status as ContentfulStatusCode);
  }

  routes.get("/result", (c) => page(c, c.req.query("poll")));
  routes.get("/result/fragment", (c) => fragment(c, c.req.query("poll")));
  routes.get("/p/:poll/results", (c) => page(c, c.req.param("poll")));
  routes.get("/p/:poll/results/fragment", (c) => fragment(c, c.req.param("poll")));

  return routes;
}
