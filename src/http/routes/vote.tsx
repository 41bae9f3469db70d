import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { notYetOpen, type Poll, type PollStatus, statusAt } from "../../domain/polls.ts";
import type { AppServices } from "../deps.ts";
import { ensureVoter } from "../middleware/voter-cookie.ts";
import { sendPage } from "../views/render-cache.ts";
import { BallotForm, VotePage } from "../views/vote-page.tsx";
import { castVoteFromRequest, pollOf } from "../vote-request.ts";

const decoder = new TextDecoder();

/** Vote pages: GET shows the ballot, POST records a vote (htmx fragment or full page); /vote is the default poll's. */
export function createVoteRoutes(services: AppServices): Hono {
  const { useCases, render } = services;
  const routes = new Hono();

  async function showBallot(c: Context, pollId: unknown) {
    const poll = await pollOf(c, services, pollId);
    const voter = await ensureVoter(c, services.signer);
    const choices = voter.isNew ? null : await useCases.currentChoices(poll, voter.id);
    const state = stateOf(poll);
    return sendPage(
      c,
      render(`vote-page|${renderKeyOf(poll, state)}|${choices}`, () => (
        <VotePage poll={poll} choices={choices} {...state} />
      )),
    );
  }

  async function takeVote(c: Context, pollId: unknown | undefined) {
    const contentType = c.req.header("content-type") ?? "";
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) {
      throw new HTTPException(415, { message: "Send the vote as a form (application/x-www-form-urlencoded)." });
    }
    const form = await readForm(c, contentType);
    const { poll, choices } = await castVoteFromRequest(c, services, {
      poll: pollId ?? form.poll,
      choice: form.vote,
      challenge: form.altcha,
    });
    const labels = poll.options.filter((option) => choices.includes(option.id)).map((option) => option.label);
    const message = `Thanks! Your vote for ${labels.join(", ")} is recorded.`;
    const state = stateOf(poll);
    if (c.req.header("hx-request") === "true") {
      return sendPage(
        c,
        render(`ballot|${renderKeyOf(poll, state)}|${choices}|voted`, () => (
          <BallotForm poll={poll} choices={choices} message={message} {...state} />
        )),
      );
    }
    return sendPage(
      c,
      render(`vote-page|${renderKeyOf(poll, state)}|${choices}|voted`, () => (
        <VotePage poll={poll} choices={choices} message={message} {...state} />
      )),
    );
  }

  routes.get("/vote", (c) => showBallot(c, c.req.query("poll")));
  routes.post("/vote", (c) => takeVote(c, undefined));
  routes.get("/p/:poll", (c) => showBallot(c, c.req.param("poll")));
  routes.post("/p/:poll/vote", (c) => takeVote(c, c.req.param("poll")));

  return routes;
}

/** A poll's state now: closed (by its owner or its closesAt), not open yet. */
function stateOf(poll: Poll): { status: PollStatus; notYetOpen: boolean } {
  const now = Date.now();
  return { status: statusAt(poll, now), notYetOpen: notYetOpen(poll, now) };
}

/** What a poll's rendered pages depend on besides the voter's choices: its id, revision and state. */
function renderKeyOf(poll: Poll, state: { status: PollStatus; notYetOpen: boolean }): string {
  return `${poll.id}|${poll.revision}|${state.status}|${state.notYetOpen}`;
}

/**
 * The form's fields, each sent at most once but `vote`, which a multi-select
 * ballot repeats (vote=a&vote=c: then it is a list). URL-encoded bodies (what
 * browsers and ab send) are parsed from their bytes, which @hono/node-server
 * reads without building a Request; multipart goes through hono's parser.
 */
async function readForm(c: Context, contentType: string): Promise<Record<string, unknown>> {
  const fields: Record<string, unknown> = {};
  const keep = (name: string, value: unknown) => {
    if (typeof value !== "string") throw new HTTPException(400, { message: "Files are not votes." });
    const seen = fields[name];
    if (seen === undefined) fields[name] = value;
    else if (name !== "vote") throw new HTTPException(400, { message: "Send one value per field." });
    else fields[name] = Array.isArray(seen) ? [...seen, value] : [seen, value];
  };
  try {
    if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      // Bytes, not text(): workerd warns about text() on a form body.
      for (const [name, value] of new URLSearchParams(decoder.decode(await c.req.arrayBuffer()))) keep(name, value);
    } else {
      for (const [name, value] of Object.entries(await c.req.parseBody({ all: true }))) {
        for (const one of Array.isArray(value) ? value : [value]) keep(name, one);
      }
    }
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw new HTTPException(400, { message: "The form could not be read." });
  }
  return fields;
}
