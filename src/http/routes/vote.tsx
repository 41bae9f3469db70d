import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { Poll } from "../../domain/polls.ts";
import type { AppServices } from "../deps.ts";
import { ensureVoter } from "../middleware/voter-cookie.ts";
import { sendPage } from "../views/render-cache.ts";
import { BallotForm, VotePage } from "../views/vote-page.tsx";
import { castVoteFromRequest, pollOf } from "../vote-request.ts";

const decoder = new TextDecoder();

/** Vote pages: GET shows the ballot, POST records a vote (htmx fragment or full page); /vote is the default poll's. */
export function createVoteRoutes(services: AppServices): Hono {
  const { useCases, render, hostname } = services;
  const routes = new Hono();

  async function showBallot(c: Context, pollId: unknown) {
    const poll = await pollOf(c, services, pollId);
    const voter = await ensureVoter(c, services.signer);
    const choice = voter.isNew ? null : await useCases.currentChoice(poll, voter.id);
    return sendPage(
      c,
      render(`vote-page|${renderKeyOf(poll)}|${choice}`, () => (
        <VotePage poll={poll} choice={choice} hostname={hostname} />
      )),
    );
  }

  async function takeVote(c: Context, pollId: unknown | undefined) {
    const contentType = c.req.header("content-type") ?? "";
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) {
      throw new HTTPException(415, { message: "Send the vote as a form (application/x-www-form-urlencoded)." });
    }
    const form = await readForm(c, contentType);
    const { poll, choice } = await castVoteFromRequest(c, services, pollId ?? form.poll, form.vote);
    const message = `Thanks! Your vote for ${poll.options.find((o) => o.id === choice)?.label} is recorded.`;
    if (c.req.header("hx-request") === "true") {
      return sendPage(
        c,
        render(`ballot|${renderKeyOf(poll)}|${choice}|voted`, () => (
          <BallotForm poll={poll} choice={choice} message={message} />
        )),
      );
    }
    return sendPage(
      c,
      render(`vote-page|${renderKeyOf(poll)}|${choice}|voted`, () => (
        <VotePage poll={poll} choice={choice} message={message} hostname={hostname} />
      )),
    );
  }

  routes.get("/vote", (c) => showBallot(c, c.req.query("poll")));
  routes.post("/vote", (c) => takeVote(c, undefined));
  routes.get("/p/:poll", (c) => showBallot(c, c.req.param("poll")));
  routes.post("/p/:poll/vote", (c) => takeVote(c, c.req.param("poll")));

  return routes;
}

/** A poll's id and status: what its rendered pages depend on besides the voter's choice. */
function renderKeyOf(poll: Poll): string {
  return `${poll.id}|${poll.status}`;
}

/**
 * The form's fields, each sent at most once. URL-encoded bodies (what browsers
 * and ab send) are parsed from their bytes, which @hono/node-server reads
 * without building a Request; multipart goes through hono's parser.
 */
async function readForm(c: Context, contentType: string): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = {};
  const keep = (name: string, value: unknown) => {
    if (name in fields) throw new HTTPException(400, { message: "Send one value per field." });
    if (typeof value !== "string") throw new HTTPException(400, { message: "Files are not votes." });
    fields[name] = value;
  };
  try {
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      // Bytes, not text(): workerd warns about text() on a form body.
      for (const [name, value] of new URLSearchParams(decoder.decode(await c.req.arrayBuffer()))) keep(name, value);
    } else {
      for (const [name, value] of Object.entries(await c.req.parseBody({ all: true }))) {
        if (Array.isArray(value)) throw new HTTPException(400, { message: "Send one value per field." });
        keep(name, value);
      }
    }
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw new HTTPException(400, { message: "The form could not be read." });
  }
  return fields;
}
