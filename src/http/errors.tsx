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
): Response | Promise<Response> {
  for (const name of ["Retry-After", "Connection"]) {
    const value = headers?.get(name);
    if (value) c.header(name, value);
  }
  const code = status as ContentfulStatusCode;
  if (c.req.path.startsWith("/api/")) return c.json({ error: message }, code);
  if (c.req.header("hx-request") === "true") return c.html(html`<span>${message}</span>`, code);
  return c.html(<ErrorPage status={status} message={message} />, code);
}

export function noSuchPoll(): HTTPException {
  return new HTTPException(404, { message: "There is no such poll." });
}

/** The status and message of a vote that was refused; nothing was written for it. */
export function refusedVote(outcome: Exclude<CastVoteOutcome, { ok: true }>): HTTPException {
  switch (outcome.reason) {
    case "unknown-poll":
      return noSuchPoll();
    case "closed":
      return new HTTPException(409, { message: "This poll is closed: votes are no longer taken." });
    case "missing-choice":
      return new HTTPException(400, { message: "Choose an option: the field 'vote' is missing." });
    case "unknown-option": {
      const valid = outcome.poll.options.map((option) => option.id).join(", ");
      return new HTTPException(400, { message: `Unknown option; this poll accepts ${valid}.` });
    }
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
