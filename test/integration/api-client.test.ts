import { Ajv2020 } from "ajv/dist/2020.js";
import { hc } from "hono/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiApp, TYPED_OPERATIONS } from "../../src/http/api-client.ts";
import { type InProcessApp, startInProcessApp } from "../helpers/in-process-app.ts";

type OpenApi = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
};

/** The typed client TypeScript users get (`hc<ApiApp>`), against the real app on Redis and PostgreSQL. */
describe("the API's typed client (hono/client)", () => {
  let app: InProcessApp;
  let client: ReturnType<typeof hc<ApiApp>>;
  /** Every answer that broke the document: an undocumented status, or a JSON body its schema refuses. */
  const breaches: string[] = [];
  const checked = new Set<string>();

  beforeAll(async () => {
    app = await startInProcessApp({ POLL_CREATE_RATE_LIMIT: "10" });
    const document = (await (await app.request("/api/openapi.json")).json()) as OpenApi;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    ajv.addSchema(document, "openapi.json");
    /** Each answer is held to the document: its status listed for the operation, its JSON body valid. */
    const holdToDocument = async (request: Request, response: Response) => {
      const path = new URL(request.url).pathname;
      const method = request.method.toLowerCase();
      const template = Object.keys(document.paths).find((candidate) =>
        new RegExp(`^${candidate.replace(/\{\w+\}/g, "[^/]+").replaceAll(".", "\\.")}$`).test(path),
      );
      const where = `${request.method} ${template ?? path} -> ${response.status}`;
      const answer = template ? document.paths[template]?.[method]?.responses[response.status] : undefined;
      if (!answer) return void breaches.push(`${where}: not in the document`);
      checked.add(where);
      if (!answer.content?.["application/json"]) return;
      const pointer = [
        "paths",
        template!,
        method,
        "responses",
        String(response.status),
        "content",
        "application/json",
        "schema",
      ]
        .map((segment) => encodeURIComponent(segment.replaceAll("~", "~0").replaceAll("/", "~1")))
        .join("/");
      const validate = ajv.getSchema(`openapi.json#/${pointer}`);
      const body = await response.clone().json();
      if (!validate?.(body)) breaches.push(`${where}: ${ajv.errorsText(validate?.errors)} in ${JSON.stringify(body)}`);
    };
    client = hc<ApiApp>("http://vote.test", {
      fetch: async (input: RequestInfo | URL, init?: RequestInit) => {
        const request = new Request(input, init);
        const response = await app.web.fetch(request.clone());
        await holdToDocument(request, response);
        return response;
      },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it("types exactly the operations the OpenAPI document describes", async () => {
    const document = (await (await client.api["openapi.json"].$get()).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replaceAll("{poll}", ":poll")}`),
    );
    expect([...TYPED_OPERATIONS].sort()).toEqual(documented.sort());
  });

  it("creates, votes, reads, manages and deletes a poll through typed calls", async () => {
    const created = await client.api.polls.$post({
      json: { question: "Typed?", options: ["Yes", "No", "Maybe"], maxChoices: 2, results: "hidden" },
    });
    expect(created.status).toBe(201);
    if (created.status !== 201) return;
    const poll = await created.json();
    const owner = { header: { Authorization: `Bearer ${poll.manageToken}` } };
    const param = { poll: poll.id };
    const described = await client.api.polls[":poll"].$get({ param });
    expect(described.status).toBe(200);
    if (described.status === 200) expect((await described.json()).maxChoices).toBe(2);

    const voted = await client.api.votes.$post({ json: { poll: poll.id, vote: ["a", "c"] } });
    expect(voted.status).toBe(202);
    if (voted.status === 202) expect((await voted.json()).choices).toEqual(["a", "c"]);
    const refused = await client.api.votes.$post({ json: { poll: poll.id, vote: ["a", "b", "c"] } });
    expect(refused.status).toBe(400);
    if (refused.status === 400) expect((await refused.json()).error).toMatch(/at most 2/);

    const hidden = await (await client.api.results.$get({ query: { poll: poll.id } })).json();
    // Hidden from anyone without the token (no consumer runs here: the count itself is other tests' business).
    expect(hidden).toMatchObject({ hidden: true });
    expect(hidden).not.toHaveProperty("total");
    expect((await client.api.polls[":poll"]["results.csv"].$get({ param })).status).toBe(403);

    expect((await client.api.polls[":poll"].reveal.$post({ param, ...owner })).status).toBe(200);
    expect((await client.api.polls[":poll"].close.$post({ param, ...owner })).status).toBe(200);
    expect((await client.api.polls[":poll"].open.$post({ param, ...owner })).status).toBe(200);
    const edited = await client.api.polls[":poll"].$patch({ param, ...owner, json: { question: "Too late?" } });
    expect(edited.status).toBe(409);
    const csv = await client.api.polls[":poll"]["ballots.csv"].$get({ param, ...owner });
    // Ballots reach the export once a consumer moves them to PostgreSQL; none runs here.
    expect(csv.status).toBe(200);
    expect(await csv.text()).toMatch(/^voter,option_id,cast_at\r\n/);
    expect((await client.api.polls[":poll"].reset.$post({ param, ...owner })).status).toBe(200);
    // This poll asks for no challenge; one with protection "challenge" hands them out.
    expect((await client.api.polls[":poll"].challenge.$get({ param })).status).toBe(409);
    const guarded = await client.api.polls.$post({
      json: { question: "Guarded?", options: ["Yes", "No"], protection: "challenge" },
    });
    if (guarded.status !== 201) throw new Error(`not created: ${guarded.status}`);
    const challenge = await client.api.polls[":poll"].challenge.$get({ param: { poll: (await guarded.json()).id } });
    expect(challenge.status).toBe(200);
    expect((await client.api.polls[":poll"].$delete({ param, ...owner })).status).toBe(204);
    expect((await client.api.polls[":poll"].$get({ param })).status).toBe(404);
  });

  it("got only answers the document describes, each JSON body valid against its schema", () => {
    expect(breaches).toEqual([]);
    // The calls above reached successes and refusals alike.
    expect([...checked]).toEqual(
      expect.arrayContaining(["POST /api/votes -> 202", "POST /api/votes -> 400", "PATCH /api/polls/{poll} -> 409"]),
    );
    expect(checked.size).toBeGreaterThanOrEqual(15);
  });
});
