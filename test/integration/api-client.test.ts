import { hc } from "hono/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiApp, TYPED_OPERATIONS } from "../../src/http/api-client.ts";
import { type InProcessApp, startInProcessApp } from "../helpers/in-process-app.ts";

/** The typed client TypeScript users get (`hc<ApiApp>`), against the real app on Redis and PostgreSQL. */
describe("the API's typed client (hono/client)", () => {
  let app: InProcessApp;
  let client: ReturnType<typeof hc<ApiApp>>;

  beforeAll(async () => {
    app = await startInProcessApp({ POLL_CREATE_RATE_LIMIT: "10" });
    client = hc<ApiApp>("http://vote.test", {
      fetch: (input: RequestInfo | URL, init?: RequestInit) => app.web.fetch(new Request(input, init)),
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
});
