import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describeError } from "../../core/logger.ts";
import { ballotsCsvChunks, resultsCsv } from "../../domain/csv.ts";
import type { Poll } from "../../domain/polls.ts";
import type { AppServices } from "../deps.ts";
import { refusedManager } from "../errors.tsx";
import { manageTokenOf } from "../middleware/manage-cookie.ts";
import { managePath, pollPaths, publicOrigin } from "../urls.ts";
import { castVoteFromRequest, pollOf, resultsOf } from "../vote-request.ts";

/** The JSON API: results, votes for clients that aren't browsers, and polls. */
export function createApiRoutes(services: AppServices): Hono {
  const { useCases } = services;
  const routes = new Hono();

  routes.get("/results", async (c) => c.json(await resultsOf(c, services, c.req.query("poll"))));

  routes.post("/votes", async (c) => {
    const body = await readJsonObject(c, '{"vote": "a"}');
    const recorded = await castVoteFromRequest(c, services, body.poll, body.vote);
    return c.json({ poll: recorded.poll.id, vote: recorded.choice, version: recorded.version }, 202);
  });

  routes.post("/polls", async (c) => {
    const body = await readJsonObject(c, '{"question": "...", "options": ["...", "..."]}');
    const outcome = await useCases.createPoll({
      question: body.question,
      options: body.options,
      client: services.clientAddress(c),
    });
    if (!outcome.ok) {
      if (outcome.reason === "rate-limited") throw tooManyPolls(outcome.retryAfter);
      return c.json({ error: outcome.error, field: outcome.field }, 400);
    }
    const { poll, manageToken } = outcome;
    return c.json({ ...describePoll(poll), links: pollLinks(c, services, poll, manageToken), manageToken }, 201);
  });

  routes.get("/polls/:poll", async (c) => {
    const poll = await pollOf(c, services, c.req.param("poll"));
    return c.json(describePoll(poll));
  });

  for (const [action, status] of [
    ["close", "closed"],
    ["open", "open"],
  ] as const) {
    routes.post(`/polls/:poll/${action}`, async (c) => {
      const outcome = await useCases.setPollStatus(c.req.param("poll"), manageTokenOf(c), status);
      if (!outcome.ok) throw refusedManager(outcome.reason);
      return c.json({ id: outcome.poll.id, status: outcome.poll.status });
    });
  }

  routes.get("/polls/:poll/results.csv", async (c) => {
    const results = await resultsOf(c, services, c.req.param("poll"));
    return csv(c, `${results.poll}-results.csv`, resultsCsv(results));
  });

  routes.get("/polls/:poll/ballots.csv", async (c) => {
    const exported = await useCases.exportBallots(c.req.param("poll"), manageTokenOf(c));
    if (!exported.ok) throw refusedManager(exported.reason);
    return csv(c, `${exported.poll.id}-ballots.csv`, await streamOf(ballotsCsvChunks(exported.rows), services));
  });

  return routes;
}

/** What `GET /api/polls/:poll` answers. */
function describePoll(poll: Poll) {
  return { id: poll.id, question: poll.question, status: poll.status, options: poll.options };
}

/** A poll's absolute links; the manage link carries the token, once, at creation. */
export function pollLinks(c: Context, services: AppServices, poll: Poll, manageToken: string) {
  const origin = publicOrigin(c, services.config.publicUrl);
  const paths = pollPaths(poll);
  return {
    vote: `${origin}${paths.vote}`,
    results: `${origin}${paths.results}`,
    manage: `${origin}${managePath(poll.id)}?token=${encodeURIComponent(manageToken)}`,
  };
}

export function tooManyPolls(retryAfter: number): HTTPException {
  return new HTTPException(429, {
    message: "Too many new polls from your address; try again later.",
    res: new Response(null, { headers: { "Retry-After": String(retryAfter) } }),
  });
}

async function readJsonObject(c: Context, example: string): Promise<Record<string, unknown>> {
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
    throw new HTTPException(400, { message: `Send an object like ${example}.` });
  }
  return body as Record<string, unknown>;
}

/**
 * The chunks as a response body, read as the client reads (backpressure):
 * memory holds a chunk or two, whatever the total. The first chunks are read
 * before answering, so a database that fails at once gets an error status,
 * not a 200 that breaks off; a failure later ends the body early and is logged.
 */
async function streamOf(chunks: AsyncIterable<string>, services: AppServices): Promise<ReadableStream<Uint8Array>> {
  const encoder = new TextEncoder();
  const iterator = chunks[Symbol.asyncIterator]();
  const first: string[] = [];
  for (let i = 0; i < 2; i++) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
  }
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const ready = first.shift();
        if (ready !== undefined) return controller.enqueue(encoder.encode(ready));
        try {
          const next = await iterator.next();
          if (next.done) controller.close();
          else controller.enqueue(encoder.encode(next.value));
        } catch (error) {
          services.logger.error("export.failed", describeError(error));
          controller.error(error);
        }
      },
      async cancel() {
        await iterator.return?.();
      },
    },
    { highWaterMark: 1 },
  );
}

function csv(c: Context, filename: string, body: string | ReadableStream<Uint8Array>) {
  return c.body(body, 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="${filename.replace(/[^\w.-]/g, "_")}"`,
    "Cache-Control": "no-store",
  });
}
