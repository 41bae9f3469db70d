import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { renderSVG } from "uqr";
import type { AppServices } from "../deps.ts";
import { refusedManager } from "../errors.tsx";
import { instantFromLocal } from "../local-time.ts";
import { manageTokenOf, setManageCookies } from "../middleware/manage-cookie.ts";
import { managePath, pollPaths, publicOrigin } from "../urls.ts";
import {
  EMPTY_SETTINGS,
  ManageHandoffPage,
  ManagePage,
  NewPollPage,
  type PollSettingsForm,
} from "../views/poll-pages.tsx";
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
    const { question, options, settings, offsets } = await readPollForm(c, contentType);
    // Empty option fields are the form's spare ones, not answers.
    const filled = options.filter((option) => option.trim() !== "");
    const outcome = await useCases.createPoll({
      question,
      options: filled,
      minChoices: wholeNumberOrText(settings.minChoices),
      maxChoices: wholeNumberOrText(settings.maxChoices),
      opensAt: instantFromLocal(settings.opensAt, offsets.opensAt),
      closesAt: instantFromLocal(settings.closesAt, offsets.closesAt),
      results: settings.results,
      protection: settings.protection,
      client: services.clientAddress(c),
    });
    if (outcome.ok) return c.redirect(pollLinks(c, services, outcome.poll, outcome.manageToken).manage, 303);
    if (outcome.reason === "rate-limited") throw tooManyPolls(outcome.retryAfter);
    const errors = { [outcome.field]: outcome.error };
    return c.html(<NewPollPage form={{ question, options, settings, errors }} />, 400);
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

/** A count as typed: a whole number when it is one, else the text for the draft check to refuse; empty is the default. */
function wholeNumberOrText(value: string): number | string | undefined {
  const text = value.trim();
  if (text === "") return undefined;
  return /^\d{1,3}$/.test(text) ? Number(text) : text;
}

interface PollFormFields {
  question: string;
  options: string[];
  settings: PollSettingsForm;
  /** Minutes east of UTC of each datetime-local field, filled in by app.js. */
  offsets: { opensAt?: string | undefined; closesAt?: string | undefined };
}

/** The new-poll form: one `question`, repeated `option` fields, and the settings (each sent once, all optional). */
async function readPollForm(c: Context, contentType: string): Promise<PollFormFields> {
  let get: (name: string) => string | undefined;
  let options: string[];
  try {
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
      get = (name) => form.get(name) ?? undefined;
      options = form.getAll("option");
    } else {
      const body = await c.req.parseBody({ all: true });
      get = (name) => (typeof body[name] === "string" ? body[name] : undefined);
      options = ([] as unknown[]).concat(body.option ?? []).filter((o): o is string => typeof o === "string");
    }
  } catch {
    throw new HTTPException(400, { message: "The form could not be read." });
  }
  const settings: PollSettingsForm = { ...EMPTY_SETTINGS };
  for (const name of Object.keys(EMPTY_SETTINGS) as (keyof PollSettingsForm)[]) {
    const value = get(name);
    if (value !== undefined) settings[name] = value;
  }
  return {
    question: get("question") ?? "",
    options,
    settings,
    offsets: { opensAt: get("opensAtOffset"), closesAt: get("closesAtOffset") },
  };
}
