import type { Context } from "hono";
import { html } from "hono/html";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { CastVoteOutcome } from "../core/cast-vote.ts";
import { ErrorPage } from "./views/error-page.tsx";

/** One error shape per audience: JSON for /api, a message for htmx, a page for browsers. */
export function respondWithError(
  c: Context,
  status: number,
  message: string,
  headers?: Headers,
  field?: string,
): Response | Promise<Response> {
  for (const name of ["Retry-After", "Connection"]) {
    const value = headers?.get(name);
    if (value) c.header(name, value);
  }
  const code = status as ContentfulStatusCode;
  if (c.req.path.startsWith("/api/")) return c.json({ error: message, ...(field ? { field } : {}) }, code);
  if (c.req.header("hx-request") === "true") return c.html(html`<span>${message}</span>`, code);
  return c.html(<ErrorPage status={status} message={message} />, code);
}

/** A request field that can't be used: a 400 that names it (the API answers `{error, field}`). */
export class InvalidFieldError extends HTTPException {
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(400, { message });
    this.field = field;
  }
}

export function noSuchPoll(): HTTPException {
  return new HTTPException(404, { message: "There is no such poll." });
}

/** The status and message of a vote that was refused; nothing was written for it. */
export function refusedVote(outcome: Exclude<CastVoteOutcome, { ok: true }>): HTTPException {
  switch (outcome.reason) {
    case "unknown-poll":
      return noSuchPoll();
    case "not-open":
      return new HTTPException(409, {
        message: `This poll opens at ${outcome.poll.opensAt}: votes are taken from then.`,
      });
    case "closed":
      return new HTTPException(409, { message: "This poll is closed: votes are no longer taken." });
    case "missing-choice":
      return new HTTPException(400, { message: "Choose an option: the field 'vote' is missing." });
    case "unknown-option": {
      const valid = outcome.poll.options.map((option) => option.id).join(", ");
      return new HTTPException(400, { message: `Unknown option; this poll accepts ${valid}.` });
    }
    case "repeated":
      return new HTTPException(400, { message: "Choose each option at most once." });
    case "too-few":
      return new HTTPException(400, { message: `Choose at least ${outcome.poll.minChoices} options.` });
    case "too-many":
      return new HTTPException(400, {
        message:
          outcome.poll.maxChoices === 1 ? "Choose one option." : `Choose at most ${outcome.poll.maxChoices} options.`,
      });
    case "challenge-missing":
      return new HTTPException(403, {
        message: "This poll needs a solved challenge with each vote (the field 'altcha').",
      });
    case "challenge-failed":
      return new HTTPException(403, { message: "The challenge's solution is wrong or has expired: solve a new one." });
    case "challenge-replayed":
      return new HTTPException(403, { message: "That challenge was used already: solve a new one." });
    case "address-taken":
      return new HTTPException(409, { message: "Someone else has already voted in this poll from your address." });
    case "changed":
      return new HTTPException(409, { message: "This poll was changed just now: reload it and vote again." });
    case "rate-limited":
      return new HTTPException(429, {
        message: "Too many votes from your address; try again in a minute.",
        res: new Response(null, { headers: { "Retry-After": String(outcome.retryAfter) } }),
      });
  }
}

/** Why a manage request was refused: 404 for no such poll, 401 without a token, 403 for a wrong one. */
export function refusedManager(reason: "unknown-poll" | "no-token" | "wrong-token"): HTTPException {
  switch (reason) {
    case "unknown-poll":
      return noSuchPoll();
    case "no-token":
      return new HTTPException(401, {
        message: "Managing a poll needs its manage link (or Authorization: Bearer <manageToken>).",
      });
    case "wrong-token":
      return new HTTPException(403, { message: "That manage token is not this poll's." });
  }
}
