import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app.ts";
import { castVote } from "../cast-vote.ts";
import { readResults } from "./results.tsx";

/** The JSON API: results, and votes for clients that aren't browsers. */
export const apiRoutes = new Hono<AppEnv>();

apiRoutes.get("/results", async (c) => c.json(await readResults(c)));

apiRoutes.post("/votes", async (c) => {
  if (!/^application\/json\b/i.test(c.req.header("content-type") ?? "")) {
    throw new HTTPException(415, { message: "Send JSON: Content-Type: application/json." });
  }
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    throw new HTTPException(400, { message: "The body is not valid JSON." });
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HTTPException(400, { message: 'Send an object like {"vote": "a"}.' });
  }
  const { poll, vote } = body as { poll?: unknown; vote?: unknown };
  const recorded = await castVote(c, poll, vote);
  return c.json({ poll: recorded.poll.id, vote: recorded.choice, version: recorded.version }, 202);
});
