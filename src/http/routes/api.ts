import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import type { TallySnapshot } from "../../core/last-known-tallies.ts";
import type { AppDeps } from "../deps.ts";
import { castVoteFromRequest, resultsFromRequest } from "../vote-request.ts";

/** The JSON API: results, and votes for clients that aren't browsers. */
export function createApiRoutes(deps: AppDeps, readTallies: (poll: string) => Promise<TallySnapshot>): Hono {
  const routes = new Hono();

  routes.get("/results", async (c) => c.json(await resultsFromRequest(c, deps, readTallies)));

  routes.post("/votes", async (c) => {
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
    const recorded = await castVoteFromRequest(c, deps, poll, vote);
    return c.json({ poll: recorded.poll.id, vote: recorded.choice, version: recorded.version }, 202);
  });

  return routes;
}
