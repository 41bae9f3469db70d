import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app.ts";
import { castVote, findPoll } from "../cast-vote.ts";
import { ensureVoter } from "../voter-cookie.ts";
import { BallotForm, VotePage } from "../views/vote-page.tsx";

/** The vote page: GET shows the ballot, POST records a vote (htmx fragment or full page). */
export const voteRoutes = new Hono<AppEnv>();

voteRoutes.get("/vote", async (c) => {
  const deps = c.get("deps");
  const poll = findPoll(c, c.req.query("poll"));
  const voter = await ensureVoter(c, deps.config.cookieSecret);
  const choice = voter.isNew ? null : await deps.store.currentChoice(poll.id, voter.id);
  return c.html(<VotePage poll={poll} choice={choice} hostname={deps.hostname} />);
});

voteRoutes.post("/vote", async (c) => {
  const contentType = c.req.header("content-type") ?? "";
  if (!/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(contentType)) {
    throw new HTTPException(415, { message: "Send the vote as a form (application/x-www-form-urlencoded)." });
  }
  let form: Record<string, string | File | (string | File)[]>;
  try {
    form = await c.req.parseBody({ all: true });
  } catch {
    throw new HTTPException(400, { message: "The form could not be read." });
  }
  const { poll, choice } = await castVote(c, single(form.poll), single(form.vote));
  const message = `Thanks! Your vote for ${poll.options.find((o) => o.id === choice)?.label} is recorded.`;
  if (c.req.header("hx-request") === "true") {
    return c.html(<BallotForm poll={poll} choice={choice} message={message} />);
  }
  return c.html(<VotePage poll={poll} choice={choice} message={message} hostname={c.get("deps").hostname} />);
});

/** A form field sent once; repeated fields or files are not a vote. */
function single(value: unknown): unknown {
  if (Array.isArray(value)) throw new HTTPException(400, { message: "Send one value per field." });
  if (typeof value === "object" && value !== null) throw new HTTPException(400, { message: "Files are not votes." });
  return value;
}
