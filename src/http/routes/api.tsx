import { type Context, Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import * as v from "valibot";
import { describeError } from "../../core/logger.ts";
import type { ManageOutcome } from "../../core/manage-polls.ts";
import { ballotsCsvChunks, resultsCsv } from "../../domain/csv.ts";
import { isMultiSelect, type Poll, statusAt } from "../../domain/polls.ts";
import {
  Challenge,
  CreatedPoll,
  firstProblem,
  NewPollBody,
  OpenApiDocument,
  PollDescription,
  PollEditBody,
  RecordedVote,
  Results,
  type Schema,
  VoteBody,
} from "../api-schemas.ts";
import type { AppServices } from "../deps.ts";
import { InvalidFieldError, refusedManager } from "../errors.tsx";
import { manageTokenOf } from "../middleware/manage-cookie.ts";
import { honoPath, type Operation, openApiDocument } from "../openapi.ts";
import { managePath, pollPaths, publicOrigin } from "../urls.ts";
import { ApiDocsPage } from "../views/api-docs-page.tsx";
import { castVoteFromRequest, pollOf, resultsOf } from "../vote-request.ts";

/** The JSON API: results, votes for clients that aren't browsers, and polls, as the OpenAPI document at /api/openapi.json says. */
export function createApiRoutes(services: AppServices): Hono {
  const { useCases } = services;
  const routes = new Hono();
  const operations: Operation[] = [];
  /** Serves a route and puts it in the document: what is served is what is described. */
  function route(operation: Operation, handler: (c: Context) => Promise<Response> | Response) {
    operations.push(operation);
    routes.on(operation.method.toUpperCase(), honoPath(operation), handler);
  }

  route(
    {
      method: "get",
      path: "/results",
      operationId: "readResults",
      tag: "Voting",
      summary: "A poll's live counts",
      description:
        "The counts as this caller may see them: a poll whose results are hidden from the caller answers `hidden: true`, how many voted and no counts.",
      query: [{ name: "poll", description: "The poll's id; the default poll when left out." }],
      responses: { 200: { description: "The counts, or that they are hidden.", schema: Results } },
    },
    async (c) => {
      c.header("Cache-Control", "private, no-cache");
      return c.json(await resultsOf(c, services, c.req.query("poll")));
    },
  );

  route(
    {
      method: "post",
      path: "/votes",
      operationId: "castVote",
      tag: "Voting",
      summary: "Vote, or change your vote",
      description:
        "The voter is the `voter_id` cookie (set on the first vote: send it back to change that vote). Taken when the answer comes; counted within about a second.",
      body: VoteBody,
      responses: { 202: { description: "Taken.", schema: RecordedVote } },
      errors: {
        403: "The poll needs a solved challenge, and this one is missing, wrong or used.",
        409: "The poll is closed, not open yet, was changed since, or someone voted from this address.",
      },
    },
    async (c) => {
      const body = await readBody(c, VoteBody);
      const recorded = await castVoteFromRequest(c, services, {
        poll: body.poll,
        choice: body.vote,
        challenge: body.altcha,
      });
      const vote = isMultiSelect(recorded.poll) ? recorded.choices : recorded.choices[0];
      return c.json({ poll: recorded.poll.id, vote, choices: recorded.choices, version: recorded.version }, 202);
    },
  );

  route(
    {
      method: "get",
      path: "/polls/{poll}/challenge",
      operationId: "createChallenge",
      tag: "Voting",
      summary: "A proof-of-work challenge for one vote",
      description:
        "For a poll with protection `challenge`: solve it (the altcha widget does, in a second or so) and send the payload as `altcha` with the vote. Each is good for one vote within 10 minutes.",
      responses: { 200: { description: "A new challenge.", schema: Challenge } },
      errors: { 409: "The poll doesn't ask for challenges." },
    },
    async (c) => {
      const poll = await pollOf(c, services, c.req.param("poll"));
      if (poll.protection !== "challenge") {
        throw new HTTPException(409, { message: "This poll doesn't ask for a challenge with votes." });
      }
      c.header("Cache-Control", "no-store");
      return c.json(await useCases.createChallenge(poll));
    },
  );

  route(
    {
      method: "post",
      path: "/polls",
      operationId: "createPoll",
      tag: "Polls",
      summary: "Create a poll",
      description: "Anyone can; a client creates a limited number per hour (POLL_CREATE_RATE_LIMIT).",
      body: NewPollBody,
      responses: {
        201: { description: "The poll, its links and its manage token (shown once).", schema: CreatedPoll },
      },
    },
    async (c) => {
      const body = await readBody(c, NewPollBody);
      const outcome = await useCases.createPoll({ ...body, client: services.clientAddress(c) });
      if (!outcome.ok) {
        if (outcome.reason === "rate-limited") throw tooManyPolls(outcome.retryAfter);
        throw new InvalidFieldError(outcome.error, outcome.field);
      }
      const { poll, manageToken } = outcome;
      return c.json({ ...describePoll(poll), links: pollLinks(c, services, poll, manageToken), manageToken }, 201);
    },
  );

  route(
    {
      method: "get",
      path: "/polls/{poll}",
      operationId: "readPoll",
      tag: "Polls",
      summary: "A poll: its question, options and settings",
      responses: { 200: { description: "The poll.", schema: PollDescription } },
    },
    async (c) => c.json(describePoll(await pollOf(c, services, c.req.param("poll")))),
  );

  route(
    {
      method: "patch",
      path: "/polls/{poll}",
      operationId: "editPoll",
      tag: "Managing",
      summary: "Fix the question or the options before the first vote",
      owner: true,
      body: PollEditBody,
      responses: { 200: { description: "The poll as edited.", schema: PollDescription } },
      errors: { 409: "Someone has voted: the poll can't be edited any more (reset it first)." },
    },
    async (c) => {
      const edit = await readBody(c, PollEditBody);
      const outcome = await useCases.editPoll(c.req.param("poll"), manageTokenOf(c), edit);
      if (!outcome.ok) {
        if (outcome.reason === "invalid") throw new InvalidFieldError(outcome.error, outcome.field);
        if (outcome.reason === "voted") throw editAfterVotes();
        throw refusedManager(outcome.reason);
      }
      return c.json(describePoll(outcome.poll));
    },
  );

  route(
    {
      method: "delete",
      path: "/polls/{poll}",
      operationId: "deletePoll",
      tag: "Managing",
      summary: "Delete a poll with its ballots",
      description: "Every link of the poll answers 404 after; ballots still on their way are dropped.",
      owner: true,
      responses: { 204: { description: "Deleted." } },
    },
    async (c) => {
      const outcome = await useCases.deletePoll(c.req.param("poll"), manageTokenOf(c));
      if (!outcome.ok) throw refusedManager(outcome.reason);
      return c.body(null, 204);
    },
  );

  const actions = [
    [
      "close",
      "Close the poll: votes are no longer taken",
      (poll, token) => useCases.setPollStatus(poll, token, "closed"),
    ],
    [
      "open",
      "Reopen the poll (a passed closesAt is taken away)",
      (poll, token) => useCases.setPollStatus(poll, token, "open"),
    ],
    ["reveal", "Show a hidden poll's counts to everyone", (poll, token) => useCases.revealPoll(poll, token)],
    ["reset", "Drop every ballot and count: the poll starts again", (poll, token) => useCases.resetPoll(poll, token)],
  ] as const satisfies readonly (readonly [
    string,
    string,
    (poll: string, token: string | undefined) => Promise<ManageOutcome>,
  ])[];
  for (const [action, summary, run] of actions) {
    route(
      {
        method: "post",
        path: `/polls/{poll}/${action}`,
        operationId: `${action}Poll`,
        tag: "Managing",
        summary,
        owner: true,
        responses: { 200: { description: "The poll as it is now.", schema: PollDescription } },
      },
      async (c) => {
        const outcome = await run(c.req.param("poll") ?? "", manageTokenOf(c));
        if (!outcome.ok) throw refusedManager(outcome.reason);
        return c.json(describePoll(outcome.poll));
      },
    );
  }

  route(
    {
      method: "get",
      path: "/polls/{poll}/results.csv",
      operationId: "exportResults",
      tag: "Polls",
      summary: "The counts as CSV",
      description: "Only for whoever may see the counts (the owner, always).",
      responses: { 200: { description: "option_id, label, votes, percent.", contentType: "text/csv" } },
      errors: { 403: "The counts are hidden from this caller." },
    },
    async (c) => {
      const results = await resultsOf(c, services, c.req.param("poll"));
      if (results.hidden) throw new HTTPException(403, { message: hiddenMessage(results) });
      return csv(c, `${results.poll}-results.csv`, resultsCsv(results));
    },
  );

  route(
    {
      method: "get",
      path: "/polls/{poll}/ballots.csv",
      operationId: "exportBallots",
      tag: "Managing",
      summary: "Every current ballot as CSV",
      description: "One line per voter, the voter as a salted hash; streamed, whatever the size.",
      owner: true,
      responses: {
        200: { description: "voter, option_id (space-separated on multi-select), cast_at.", contentType: "text/csv" },
      },
    },
    async (c) => {
      const exported = await useCases.exportBallots(c.req.param("poll"), manageTokenOf(c));
      if (!exported.ok) throw refusedManager(exported.reason);
      return csv(c, `${exported.poll.id}-ballots.csv`, await streamOf(ballotsCsvChunks(exported.rows), services));
    },
  );

  const document = openApiDocument(
    [
      ...operations,
      {
        method: "get",
        path: "/openapi.json",
        operationId: "openApi",
        tag: "Meta",
        summary: "This document",
        responses: { 200: { description: "OpenAPI 3.1.", schema: OpenApiDocument } },
      },
    ],
    { version: services.config.appVersion },
  );
  routes.get("/openapi.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(document);
  });
  routes.get("/docs", (c) => c.html(<ApiDocsPage document={document} />));

  return routes;
}

/** What the JSON API says of a poll: never its owner's token hash. */
export function describePoll(poll: Poll, now = Date.now()) {
  return {
    id: poll.id,
    question: poll.question,
    status: statusAt(poll, now),
    options: poll.options.map(({ id, label }) => ({ id, label })),
    minChoices: poll.minChoices,
    maxChoices: poll.maxChoices,
    results: poll.results,
    revealed: poll.revealed,
    ...(poll.opensAt ? { opensAt: poll.opensAt } : {}),
    ...(poll.closesAt ? { closesAt: poll.closesAt } : {}),
    protection: poll.protection,
    revision: poll.revision,
  };
}

/** A poll's absolute links; the manage link carries the token, once, at creation. */
export function pollLinks(c: Context, services: AppServices, poll: Poll, manageToken: string) {
  const origin = publicOrigin(c, services.config.publicUrl);
  const paths = pollPaths(poll);
  return {
    vote: `${origin}${paths.vote}`,
    results: `${origin}${paths.results}`,
    present: `${origin}${paths.present}`,
    embed: `${origin}${paths.embed}`,
    qr: `${origin}${paths.qr}`,
    manage: `${origin}${managePath(poll.id)}?token=${encodeURIComponent(manageToken)}`,
  };
}

export function editAfterVotes(): HTTPException {
  return new HTTPException(409, {
    message: "Someone has voted in this poll: it can't be edited any more. Reset it first to start again.",
  });
}

/** Why a caller doesn't see the counts. */
export function hiddenMessage(results: { status: string }): string {
  return results.status === "closed"
    ? "The results of this poll are hidden until its owner reveals them."
    : "The results of this poll are not shown yet.";
}

export function tooManyPolls(retryAfter: number): HTTPException {
  return new HTTPException(429, {
    message: "Too many new polls from your address; try again later.",
    res: new Response(null, { headers: { "Retry-After": String(retryAfter) } }),
  });
}

/** The JSON body, checked against its schema: a 415, or a 400 naming the field, when it isn't one. */
async function readBody<S extends Schema>(c: Context, schema: S): Promise<v.InferOutput<S>> {
  const body = await readJsonObject(c);
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) {
    const problem = firstProblem(parsed.issues);
    throw new InvalidFieldError(problem.error, problem.field);
  }
  return parsed.output;
}

async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
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
    throw new HTTPException(400, { message: "Send a JSON object: see /api/openapi.json." });
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
