import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { findPoll } from "../../core/cast-vote.ts";
import type { AppDeps } from "../deps.ts";
import { noSuchPoll } from "../errors.tsx";
import { ensureVoter } from "../middleware/voter-cookie.ts";
import type { RenderCache } from "../views/render-cache.ts";
import { BallotForm, VotePage } from "../views/vote-page.tsx";
import { castVoteFromRequest } from "../vote-request.ts";

const decoder = new TextDecoder();

/** The vote page: GET shows the ballot, POST records a vote (htmx fragment or full page). */
export function createVoteRoutes(deps: AppDeps, render: RenderCache): Hono {
  const routes = new Hono();

  routes.get("/vote", async (c) => {
    const poll = findPoll(deps.config.polls, c.req.query("poll"));
    if (!poll) throw noSuchPoll();
    const voter = await ensureVoter(c, deps.config.cookieSecret);
    const choice = voter.isNew ? null : await deps.store.currentChoice(poll.id, voter.id);
    return c.html(
      render(`vote-page|${poll.id}|${choice}`, () => <VotePage poll={poll} choice={choice} hostname={deps.hostname} />),
    );
  });

  routes.post("/vote", async (c) => {
    const contentType = c.req.header("content-type") ?? "";
    if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) {
      throw new HTTPException(415, { message: "Send the vote as a form (application/x-www-form-urlencoded)." });
    }
    const form = await readForm(c, contentType);
    const { poll, choice } = await castVoteFromRequest(c, deps, form.poll, form.vote);
    const message = `Thanks! Your vote for ${poll.options.find((o) => o.id === choice)?.label} is recorded.`;
    if (c.req.header("hx-request") === "true") {
      return c.html(
        render(`ballot|${poll.id}|${choice}|voted`, () => <BallotForm poll={poll} choice={choice} message={message} />),
      );
    }
    return c.html(
      render(`vote-page|${poll.id}|${choice}|voted`, () => (
        <VotePage poll={poll} choice={choice} message={message} hostname={deps.hostname} />
      )),
    );
  });

  return routes;
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
