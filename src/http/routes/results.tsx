import { type Context, Hono } from "hono";
import type { LiveResults } from "../../core/read-results.ts";
import type { AppServices } from "../deps.ts";
import { respond } from "../responses.ts";
import { pollPaths } from "../urls.ts";
import { sendPage } from "../views/render-cache.ts";
import { ResultsFragment, ResultsPage } from "../views/results-page.tsx";
import { publicResultsOf, resultsOf } from "../vote-request.ts";

/** htmx stops polling on this status (htmx 2): a closed poll's counts are final. */
const STOP_POLLING = 286;

/**
 * What a rendered page of results depends on: never a count a viewer may
 * not see (hidden results render, and tag, without them), so neither the
 * render cache nor the ETag can carry a count to the wrong viewer.
 */
/** What a results render depends on: the counts only when the viewer may see them (a hidden poll's key holds none). */
const keyOf = (results: LiveResults) => {
  const labels = results.options.map((option) => option.label).join("\u0000");
  const common = `${results.poll}|${results.question}|${labels}|${results.status}|${results.current}|${results.participants}|${results.closesAt}`;
  return results.hidden ? `${common}|hidden` : `${common}|${results.options.map((o) => o.votes).join(",")}`;
};

const encoder = new TextEncoder();

/** Short, stable tags of render keys, remembered per app: the same few keys come back every second. */
function createTagger(limit = 4_096): (key: string) => Promise<string> {
  const tags = new Map<string, Promise<string>>();
  return (key) => {
    let tag = tags.get(key);
    if (!tag) {
      tag = crypto.subtle
        .digest("SHA-1", encoder.encode(key))
        .then((bytes) => [...new Uint8Array(bytes).slice(0, 12)].map((b) => b.toString(16).padStart(2, "0")).join(""));
      tags.set(key, tag);
      if (tags.size > limit) tags.delete(tags.keys().next().value as string);
    }
    return tag;
  };
}

/** The results pages and the fragments they poll: /result for the default poll, /p/:poll/results for any. */
export function createResultRoutes(services: AppServices): Hono {
  const { render } = services;
  const digest = createTagger();
  const routes = new Hono();

  async function page(c: Context, pollId: unknown) {
    const results = await resultsOf(c, services, pollId);
    return sendPage(
      c,
      render(`results-page|${keyOf(results)}`, () => <ResultsPage results={results} />),
    );
  }

  /** A fragment of results, answered 304 while unchanged; `polling` is the path it polls, when not the results page's. */
  async function fragment(c: Context, results: LiveResults, polling?: string) {
    const key = `results-fragment|${polling ?? ""}|${keyOf(results)}`;
    // The browser keeps the fragment and asks again with If-None-Match every second;
    // while the counts stand still the answer is a bodiless 304, and the browser hands
    // htmx its copy (a 200 to htmx, so it swaps the same HTML in and polls on).
    const etag = `W/"${await digest(key)}"`;
    // private: what one viewer may see (an owner, a voter) no shared cache may keep for another.
    const revalidate = { "Cache-Control": "private, no-cache", ETag: etag };
    if (c.req.header("if-none-match") === etag) return respond(c, null, 304, revalidate);
    const html = render(key, () => <ResultsFragment results={results} polling={polling} />);
    const status = results.status === "closed" && c.req.header("hx-request") === "true" ? STOP_POLLING : 200;
    return sendPage(c, html, status, revalidate);
  }

  routes.get("/result", (c) => page(c, c.req.query("poll")));
  routes.get("/result/fragment", async (c) => fragment(c, await resultsOf(c, services, c.req.query("poll"))));
  routes.get("/p/:poll/results", (c) => page(c, c.req.param("poll")));
  routes.get("/p/:poll/results/fragment", async (c) => fragment(c, await resultsOf(c, services, c.req.param("poll"))));
  // The presenter view's counts are what the room may see: read as anyone, never as the owner whose
  // browser shows them (their manage cookie would reveal hidden counts on the projector).
  routes.get("/p/:poll/present/fragment", async (c) => {
    const results = await publicResultsOf(c, services, c.req.param("poll"));
    return fragment(c, results, pollPaths({ id: results.poll }).presentFragment);
  });

  return routes;
}
