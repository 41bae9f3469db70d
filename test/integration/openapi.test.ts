import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildConsumer, buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "../helpers/services.ts";

/** Mounted but not an operation of the API: the HTML page that shows the document. */
const UNDOCUMENTED = new Set(["GET /api/docs"]);

type Json = Record<string, unknown>;
type OpenApi = { openapi: string; info: Json; paths: Record<string, Record<string, Json>>; components: Json };

let db: TestDatabase;
let redis: TestRedis;
let web: ReturnType<typeof buildWeb>;
let stopConsumer: () => Promise<void>;
let doc: OpenApi;

beforeAll(async () => {
  [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const config = parseNodeConfig({
    COOKIE_SECRET: "openapi-test-secret-0123456789",
    REDIS_PREFIX: redis.prefix,
    CONSUMER_NAME: "openapi",
    CONSUMER_BATCH_SIZE: "100",
    CONSUMER_CLAIM_IDLE_MS: "60000",
  });
  const logger = createJsonLogger({}, "error", () => {});
  web = buildWeb(config, { redis: redis.client, sql: db.sql }, { logger, hostname: "openapi" });
  const reader = redis.client.duplicate();
  await reader.connect();
  const stop = new AbortController();
  const consumer = buildConsumer(config, { reader, redis: redis.client, sql: db.sql }, { logger, blockMs: 50 });
  const running = consumer.run(stop.signal);
  stopConsumer = async () => {
    stop.abort();
    await running;
    await reader.quit();
  };
  const res = await web.fetch(new Request("http://test.local/api/openapi.json"));
  expect(res.status).toBe(200);
  doc = (await res.json()) as OpenApi;
});

afterAll(async () => {
  await stopConsumer?.();
  await Promise.all([db?.drop(), redis?.cleanup()]);
});

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

function documented(): string[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((m) => METHODS.includes(m))
      .map((m) => `${m.toUpperCase()} ${path}`),
  );
}

function mounted(): string[] {
  return web.routes
    .filter((r) => r.path.startsWith("/api/") && METHODS.includes(r.method.toLowerCase()))
    .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}")}`);
}

function resolve(ref: string): unknown {
  expect(ref.startsWith("#/"), `only local $refs: ${ref}`).toBe(true);
  let node: unknown = doc;
  for (const part of ref.slice(2).split("/")) {
    node = (node as Json | undefined)?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node;
}

function refsIn(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsIn(n, found);
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") found.push(v);
      else refsIn(v, found);
    }
  }
  return found;
}

function ajv() {
  const a = new Ajv2020({ strict: false, allErrors: true });
  // What the document's instants are: RFC 3339 date-times, as Date.parse reads them.
  a.addFormat("date-time", (s: string) => /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s)));
  a.addSchema({ ...(doc.components.schemas as Json), $id: "doc" } as Json, "doc");
  return a;
}

/** The response schema the document gives for an operation, with #/components refs pointed at the doc. */
function responseSchema(method: string, path: string, status: number): Json | undefined {
  const op = doc.paths[path]?.[method];
  expect(op, `${method.toUpperCase()} ${path} is not documented`).toBeDefined();
  const responses = (op as Json).responses as Record<string, Json>;
  expect(
    responses[String(status)],
    `${method.toUpperCase()} ${path} answered ${status}, which the document doesn't list (it lists ${Object.keys(responses).join(", ")})`,
  ).toBeDefined();
  const content = responses[String(status)]?.content as Record<string, { schema: Json }> | undefined;
  return content?.["application/json"]?.schema;
}

/** The operations the flow called, to tell which ones it left out. */
const called = new Set<string>();

const validator = new Map<string, ReturnType<ReturnType<typeof ajv>["compile"]>>();

/** Calls the API and checks the answer's status and JSON body against what the document says. */
async function call(
  method: string,
  docPath: string,
  url: string,
  init: { body?: unknown; token?: string; cookie?: string } = {},
): Promise<{ status: number; body: unknown; res: Response }> {
  const headers: Record<string, string> = {};
  if (init.body !== undefined) headers["content-type"] = "application/json";
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.cookie) headers.cookie = init.cookie;
  const res = await web.fetch(
    new Request(`http://test.local${url}`, {
      method: method.toUpperCase(),
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    }),
  );
  called.add(`${method.toUpperCase()} ${docPath}`);
  const schema = responseSchema(method, docPath, res.status);
  const type = res.headers.get("content-type") ?? "";
  let body: unknown;
  if (type.includes("application/json")) {
    body = await res.json();
    expect(schema, `${method} ${docPath} ${res.status} answered JSON the document has no schema for`).toBeDefined();
    const key = `${method} ${docPath} ${res.status}`;
    if (!validator.has(key)) {
      const a = ajv();
      validator.set(key, a.compile(rewriteRefs(schema) as Json));
    }
    const validate = validator.get(key);
    const ok = validate?.(body);
    expect(ok, `${key} body ${JSON.stringify(body)}: ${JSON.stringify(validate?.errors)}`).toBe(true);
  } else {
    body = await res.text();
    const declared = Object.keys(
      (((doc.paths[docPath]?.[method]?.responses ?? {}) as Record<string, Json>)[String(res.status)]
        ?.content as Json) ?? {},
    );
    if (res.status === 204) expect(declared, `${method} ${docPath} 204 declares no body`).toEqual([]);
    else
      expect(
        declared.some((t) => type.startsWith(t)),
        `${method} ${docPath} ${res.status} is ${type}, documented as ${declared}`,
      ).toBe(true);
  }
  return { status: res.status, body, res };
}

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node && typeof node === "object") {
    return Object.fromEntries(
      Object.entries(node).map(([k, v]) => [
        k,
        k === "$ref" && typeof v === "string" ? v.replace("#/components/schemas/", "doc#/") : rewriteRefs(v),
      ]),
    );
  }
  return node;
}

describe("the OpenAPI document of the Node app", () => {
  it("documents every route mounted under /api, and mounts every documented one", () => {
    const served = new Set(mounted().filter((r) => !UNDOCUMENTED.has(r)));
    const described = new Set(documented());
    expect(served.size).toBeGreaterThan(5);
    expect(
      [...served].filter((r) => !described.has(r)),
      "mounted but not documented",
    ).toEqual([]);
    expect(
      [...described].filter((r) => !served.has(r)),
      "documented but not mounted",
    ).toEqual([]);
  });

  it("is structurally OpenAPI 3.1", () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toEqual(expect.any(String));
    expect(doc.info.version).toEqual(expect.any(String));
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(path.startsWith("/")).toBe(true);
      for (const [method, op] of Object.entries(item)) {
        expect(METHODS).toContain(method);
        const id = op.operationId as string;
        expect(id, `${method} ${path} operationId`).toEqual(expect.any(String));
        expect(ids.has(id), `operationId ${id} used twice`).toBe(false);
        ids.add(id);
        expect(Object.keys(op.responses as Json).length, `${method} ${path} responses`).toBeGreaterThan(0);
        for (const p of (op.parameters as Json[] | undefined) ?? []) {
          if (p.in === "path") expect(path).toContain(`{${p.name}}`);
        }
        for (const name of path.matchAll(/\{(\w+)\}/g)) {
          expect(
            ((op.parameters as Json[] | undefined) ?? []).some((p) => p.in === "path" && p.name === name[1]),
            `${method} ${path} declares path parameter ${name[1]}`,
          ).toBe(true);
        }
      }
    }
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    for (const ref of refs) expect(resolve(ref), `$ref ${ref} resolves`).toBeDefined();
  });

  it("has schemas Ajv 2020 compiles", () => {
    const schemas: [string, unknown][] = [];
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        for (const p of (op.parameters as Json[] | undefined) ?? [])
          schemas.push([`${method} ${path} ${p.name}`, p.schema]);
        const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
        for (const [type, c] of Object.entries(body ?? {})) schemas.push([`${method} ${path} body ${type}`, c.schema]);
        for (const [status, r] of Object.entries(op.responses as Record<string, Json>)) {
          for (const [type, c] of Object.entries((r.content as Record<string, Json>) ?? {})) {
            schemas.push([`${method} ${path} ${status} ${type}`, c.schema]);
          }
        }
      }
    }
    expect(schemas.length).toBeGreaterThan(10);
    for (const [where, schema] of schemas) {
      expect(() => ajv().compile(rewriteRefs(schema) as Json), where).not.toThrow();
    }
  });

  it("describes every answer of a realistic flow", async () => {
    const created = await call("post", "/api/polls", "/api/polls", {
      body: { question: "Lunch?", options: ["Pizza", "Soup", "Salad"], maxChoices: 2, results: "hidden" },
    });
    expect(created.status).toBe(201);
    const poll = created.body as { id: string; manageToken: string; options: { id: string }[] };
    const token = poll.manageToken;
    const [a, b, c] = poll.options.map((o) => o.id);
    const P = `/api/polls/${poll.id}`;

    expect((await call("get", "/api/polls/{poll}", P)).status).toBe(200);
    expect((await call("get", "/api/polls/{poll}", "/api/polls/nosuchpoll00")).status).toBe(404);

    const first = await call("post", "/api/votes", "/api/votes", { body: { poll: poll.id, vote: a } });
    expect(first.status).toBe(202);
    const second = await call("post", "/api/votes", "/api/votes", { body: { poll: poll.id, vote: [b, c] } });
    expect(second.status).toBe(202);
    expect((await call("post", "/api/votes", "/api/votes", { body: { poll: poll.id, vote: [a, b, c] } })).status).toBe(
      400,
    );

    const hidden = await call("get", "/api/results", `/api/results?poll=${poll.id}`);
    expect(hidden.status).toBe(200);
    expect(hidden.body).toMatchObject({ hidden: true });
    const owned = await call("get", "/api/results", `/api/results?poll=${poll.id}`, { token });
    expect(owned.status).toBe(200);
    expect(owned.body).not.toMatchObject({ hidden: true });

    expect((await call("post", "/api/polls/{poll}/reveal", `${P}/reveal`)).status).toBe(401);
    expect((await call("post", "/api/polls/{poll}/reveal", `${P}/reveal`, { token: "wrong" })).status).toBe(403);
    expect((await call("post", "/api/polls/{poll}/reveal", `${P}/reveal`, { token })).status).toBe(200);
    expect((await call("get", "/api/polls/{poll}/results.csv", `${P}/results.csv`)).status).toBe(200);
    expect((await call("post", "/api/polls/{poll}/close", `${P}/close`, { token })).status).toBe(200);
    expect((await call("post", "/api/votes", "/api/votes", { body: { poll: poll.id, vote: a } })).status).toBe(409);
    expect((await call("post", "/api/polls/{poll}/open", `${P}/open`, { token })).status).toBe(200);
    expect((await call("patch", "/api/polls/{poll}", P, { token, body: { question: "Dinner?" } })).status).toBe(409);
    expect((await call("get", "/api/polls/{poll}/ballots.csv", `${P}/ballots.csv`, { token })).status).toBe(200);
    expect((await call("post", "/api/polls/{poll}/reset", `${P}/reset`, { token })).status).toBe(200);
    expect((await call("get", "/api/polls/{poll}/challenge", `${P}/challenge`)).status).toBe(409);
    expect((await call("delete", "/api/polls/{poll}", P, { token })).status).toBe(204);
    expect((await call("get", "/api/polls/{poll}", P)).status).toBe(404);

    const guarded = await call("post", "/api/polls", "/api/polls", {
      body: { question: "Guarded?", options: ["Yes", "No"], protection: "challenge" },
    });
    expect(guarded.status).toBe(201);
    const g = guarded.body as { id: string; options: { id: string }[] };
    expect((await call("get", "/api/polls/{poll}/challenge", `/api/polls/${g.id}/challenge`)).status).toBe(200);
    expect(
      (await call("post", "/api/votes", "/api/votes", { body: { poll: g.id, vote: g.options[0]?.id } })).status,
    ).toBe(403);
    expect((await call("get", "/api/openapi.json", "/api/openapi.json")).status).toBe(200);

    expect(
      documented().filter((op) => !called.has(op)),
      "documented operations the flow never called",
    ).toEqual([]);
  });
});
