import { Hono } from "hono";
import type { AppServices } from "../deps.ts";
import { manageTokenOf } from "../middleware/manage-cookie.ts";
import { allowFraming } from "../responses.ts";
import { pollPaths, publicOrigin } from "../urls.ts";
import { EmbedPage, PresentPage } from "../views/present-pages.tsx";
import { pollOf, publicResultsOf, resultsOf } from "../vote-request.ts";

/** The presenter view (for a projector) and the embed view (the one page other sites may frame). */
export function createPresentRoutes(services: AppServices): Hono {
  const { useCases, config } = services;
  const routes = new Hono();

  routes.get("/p/:poll/present", async (c) => {
    const poll = await pollOf(c, services, c.req.param("poll"));
    const results = await publicResultsOf(c, services, poll.id);
    const owner = await useCases.ownsPoll(poll, manageTokenOf(c));
    // The owner's buttons are on the page: no cache may hand it to someone else.
    c.header("Cache-Control", "no-store");
    const voteLink = `${publicOrigin(c, config.publicUrl)}${pollPaths(poll).vote}`;
    return c.html(<PresentPage poll={poll} results={results} voteLink={voteLink} owner={owner} />);
  });

  routes.get("/p/:poll/embed", async (c) => {
    allowFraming(c);
    const poll = await pollOf(c, services, c.req.param("poll"));
    const results = await resultsOf(c, services, poll.id);
    c.header("Cache-Control", "private, no-cache");
    const voteLink = `${publicOrigin(c, config.publicUrl)}${pollPaths(poll).vote}`;
    return c.html(<EmbedPage poll={poll} results={results} voteLink={voteLink} />);
  });

  return routes;
}
