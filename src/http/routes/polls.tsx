import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { renderSVG } from "uqr";
import type { Poll } from "../../domain/polls.ts";
import type { AppServices } from "../deps.ts";
import { refusedManager } from "../errors.tsx";
import { instantFromLocal } from "../local-time.ts";
import { clearManageCookies, manageTokenOf, setManageCookies } from "../middleware/manage-cookie.ts";
import { managePath, pollPaths, publicOrigin } from "../urls.ts";
import {
  EMPTY_SETTINGS,
  ManageHandoffPage,
  ManagePage,
  type ManageProblems,
  NewPollPage,
  type PollSettingsForm,
} from "../views/poll-pages.tsx";
import { pollOf, resultsOf } from "../vote-request.ts";
import { pollLinks, tooManyPolls } from "./api.tsx";

/** Pages for creating a poll, sharing it (QR code) and managing it. */
export function createPollRoutes(services: AppServices): Hono {
  const { useCases, config } = services;
  const routes = new Hono();

  routes.get("/new", (c) =>
    c.html(
      <NewPollPage
        form={{ question: "", options: [] }}
        flash={c.req.query("deleted") === undefined ? undefined : "Your poll was deleted, with its ballots."}
      />,
    ),
  );

  routes.post("/new", async (c) => {
    const contentType = c.req.header("content-type") ?? "";
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) {
      throw new HTTPException(415, { message: "Send the poll as a form (application/x-www-form-urlencoded)." });
    }
    const { question, options, settings, offsets } = await readPollForm(c);
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
    return showManage(c, allowed.poll);
  });

  /** The manage page of a poll its owner reached; `problems` (a refused form) are shown beside their forms. */
  async function showManage(
    c: Context,
    poll: Poll,
    problems?: ManageProblems,
    edit?: { question: string; options: string[] },
    status: 200 | 400 | 409 = problems ? 400 : 200,
  ) {
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    const results = await resultsOf(c, services, poll.id);
    const origin = publicOrigin(c, config.publicUrl);
    const paths = pollPaths(poll);
    return c.html(
      <ManagePage
        poll={poll}
        results={results}
        voteLink={`${origin}${paths.vote}`}
        resultsLink={`${origin}${paths.results}`}
        presentLink={`${origin}${paths.present}`}
        embedLink={`${origin}${paths.embed}`}
        problems={problems}
        edit={edit}
      />,
      status,
    );
  }

  /** An owner's action: allowed by the manage cookie (or a bearer token), then back to the manage page. */
  for (const [action, run] of [
    ["close", (id: string, token?: string) => useCases.setPollStatus(id, token, "closed")],
    ["open", (id: string, token?: string) => useCases.setPollStatus(id, token, "open")],
    ["reveal", (id: string, token?: string) => useCases.revealPoll(id, token)],
  ] as const) {
    routes.post(`/p/:poll/manage/${action}`, async (c) => {
      const outcome = await run(c.req.param("poll"), manageTokenOf(c));
      if (!outcome.ok) throw refusedManager(outcome.reason);
      // The presenter view's buttons come back to it.
      const back = c.req.query("back") === "present" ? pollPaths(outcome.poll).present : managePath(outcome.poll.id);
      return c.redirect(back, 303);
    });
  }

  // Reset and delete can't be undone: each needs its "I understand" box ticked (no script asks for confirmation).
  routes.post("/p/:poll/manage/reset", async (c) => {
    const token = manageTokenOf(c);
    const allowed = await useCases.authorizeManager(c.req.param("poll"), token);
    if (!allowed.ok) throw refusedManager(allowed.reason);
    const { get } = await readForm(c);
    if (get("confirm") !== "reset") {
      return showManage(c, allowed.poll, { reset: "Tick the box to confirm: a reset can't be undone." });
    }
    const outcome = await useCases.resetPoll(allowed.poll.id, token);
    if (!outcome.ok) throw refusedManager(outcome.reason);
    return c.redirect(managePath(outcome.poll.id), 303);
  });

  routes.post("/p/:poll/manage/delete", async (c) => {
    const token = manageTokenOf(c);
    const allowed = await useCases.authorizeManager(c.req.param("poll"), token);
    if (!allowed.ok) throw refusedManager(allowed.reason);
    const { get } = await readForm(c);
    if (get("confirm") !== "delete") {
      return showManage(c, allowed.poll, { delete: "Tick the box to confirm: a deleted poll can't be brought back." });
    }
    const outcome = await useCases.deletePoll(allowed.poll.id, token);
    if (!outcome.ok) throw refusedManager(outcome.reason);
    clearManageCookies(c, outcome.poll.id);
    return c.redirect("/new?deleted=1", 303);
  });

  routes.post("/p/:poll/manage/edit", async (c) => {
    const { get, getAll } = await readForm(c);
    const question = get("question") ?? "";
    const options = getAll("option");
    // Empty option fields are the form's spare ones, as on /new.
    const filled = options.filter((option) => option.trim() !== "");
    const outcome = await useCases.editPoll(c.req.param("poll"), manageTokenOf(c), { question, options: filled });
    if (outcome.ok) return c.redirect(managePath(outcome.poll.id), 303);
    if (outcome.reason === "invalid" || outcome.reason === "voted") {
      const poll = await pollOf(c, services, c.req.param("poll"));
      const problems: ManageProblems =
        outcome.reason === "invalid"
          ? { [outcome.field]: outcome.error }
          : { edit: "Votes have been cast: the question and options can no longer change." };
      return showManage(c, poll, problems, { question, options }, outcome.reason === "voted" ? 409 : 400);
    }
    throw refusedManager(outcome.reason);
  });

  return routes;
}

/** A form post's fields (url-encoded or multipart); anything else is a 415. */
async function readForm(
  c: Context,
): Promise<{ get: (name: string) => string | undefined; getAll: (name: string) => string[] }> {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) {
    throw new HTTPException(415, { message: "Send the form as a form (application/x-www-form-urlencoded)." });
  }
  try {
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
      return { get: (name) => form.get(name) ?? undefined, getAll: (name) => form.getAll(name) };
    }
    const body = await c.req.parseBody({ all: true });
    const all = (name: string) =>
      ([] as unknown[]).concat(body[name] ?? []).filter((value): value is string => typeof value === "string");
    return { get: (name) => all(name)[0], getAll: all };
  } catch {
    throw new HTTPException(400, { message: "The form could not be read." });
  }
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
async function readPollForm(c: Context): Promise<PollFormFields> {
  const { get, getAll } = await readForm(c);
  const settings: PollSettingsForm = { ...EMPTY_SETTINGS };
  for (const name of Object.keys(EMPTY_SETTINGS) as (keyof PollSettingsForm)[]) {
    const value = get(name);
    if (value !== undefined) settings[name] = value;
  }
  return {
    question: get("question") ?? "",
    options: getAll("option"),
    settings,
    offsets: { opensAt: get("opensAtOffset"), closesAt: get("closesAtOffset") },
  };
}
