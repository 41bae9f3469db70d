import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { renderSVG } from "uqr";
import type { AppServices } from "../deps.ts";
import { refusedManager } from "../errors.tsx";
import { manageTokenOf, setManageCookies } from "../middleware/manage-cookie.ts";
import { managePath, pollPaths, publicOrigin } from "../urls.ts";
import { ManageHandoffPage, ManagePage, NewPollPage } from "../views/poll-pages.tsx";
import { pollOf, resultsOf } from "../vote-request.ts";
import { pollLinks, tooManyPolls } from "./api.tsx";

/** Pages for creating a poll, sharing it (QR code) and managing it. */
export function createPollRoutes(services: AppServices): Hono {
  const { useCases, config } = services;
  const routes = new Hono();

  routes.get("/new", (c) => c.html(<NewPollPage form={{ question: "", options: [] }} />));

  routes.post("/new", async (c) => {
    const contentType = c.req.header("content-type") ?? "";
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) {
      throw new HTTPException(415, { message: "Send the poll as a form (application/x-www-form-urlencoded)." });
    }
    const { question, options } = await readPollForm(c, contentType);
    // Empty option fields are the form's spare ones, not answers.
    const filled = options.filter((option) => option.trim() !== "");
    const outcome = await useCases.createPoll({ question, options: filled, client: services.clientAddress(c) });
    if (outcome.ok) return c.redirect(pollLinks(c, services, outcome.poll, outcome.manageToken).manage, 303);
    if (outcome.reason === "rate-limited") throw tooManyPolls(outcome.retryAfter);
    const errors = { [outcome.field]: outcome.error };
    return c.html(<NewPollPage form={{ question, options, errors }} />, 400);
  });

  routes.get("/p/:poll/qr.svg", async (c) => {
    const poll = await pollOf(c, services, c.req.param("poll"));
    const link = `${publicOrigin(c, config.publicUrl)}${pollPaths(poll).vote}`;
    // Error correction M and a 4-module quiet zone: scannable from the back of a room when shown large.
    const svg = renderSVG(link, { ecc: "M", border: 4, pixelSize: 10 });
    return c.body(svg, 200, { "Content-Type": "image/svg+xml", "Cache-Control": "public, max-age=3600" });
  });

  routes.get("/p/:poll/manage", async (c) => {
    const pollId = c.req.param("poll");
    const fromLink = c.req.query("token");
    if (fromLink !== undefined) {
      // The manage link's token is traded for the cookie, and the address bar is cleaned. Not by a
      // redirect: followed from another site (a webmail, a chat), a redirect is still that site's
      // navigation, and the browser withholds the SameSite=Strict cookie it just got. The page's
      // own refresh is a navigation from this site, so the cookie goes with it.
      const allowed = await useCases.authorizeManager(pollId, fromLink);
      if (!allowed.ok) throw refusedManager(allowed.reason);
      setManageCookies(c, allowed.poll.id, fromLink);
      c.header("Cache-Control", "no-store");
      return c.html(<ManageHandoffPage path={managePath(allowed.poll.id)} />);
    }
    const allowed = await useCases.authorizeManager(pollId, manageTokenOf(c));
    if (!allowed.ok) throw refusedManager(allowed.reason);
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    const results = await resultsOf(c, services, allowed.poll.id);
    const origin = publicOrigin(c, config.publicUrl);
    const paths = pollPaths(allowed.poll);
    return c.html(
      <ManagePage results={results} voteLink={`${origin}${paths.vote}`} resultsLink={`${origin}${paths.results}`} />,
    );
  });

  for (const [action, status] of [
    ["close", "closed"],
    ["open", "open"],
  ] as const) {
    routes.post(`/p/:poll/manage/${action}`, async (c) => {
      const outcome = await useCases.setPollStatus(c.req.param("poll"), manageTokenOf(c), status);
      if (!outcome.ok) throw refusedManager(outcome.reason);
      return c.redirect(managePath(outcome.poll.id), 303);
    });
  }

  return routes;
}

/** The new-poll form: one `question`, repeated `option` fields. */
async function readPollForm(c: Context, contentType: string): Promise<{ question: string; options: string[] }> {
  try {
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
      return { question: form.get("question") ?? "", options: form.getAll("option") };
    }
    const body = await c.req.parseBody({ all: true });
    const options = ([] as unknown[]).concat(body.option ?? []).filter((o): o is string => typeof o === "string");
    return { question: typeof body.question === "string" ? body.question : "", options };
  } catch {
    throw new HTTPException(400, { message: "The form could not be read." });
  }
}
