import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import type { CookieJar } from "../helpers/cookie-jar.ts";
import { ROOT } from "../helpers/root.ts";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "../helpers/services.ts";

const quiet = createJsonLogger({}, "error", () => {});

/** The same-origin scripts and stylesheets a page asks for. */
function assetsOf(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)].map((match) => match[1]!);
}

describe("the pages of the poll settings (Node, in process)", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let web: ReturnType<typeof buildWeb>;

  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
    const config = parseNodeConfig({ COOKIE_SECRET: "ui-pages-secret-0123456789", REDIS_PREFIX: redis.prefix });
    web = buildWeb(config, { redis: redis.client, sql: db.sql }, { logger: quiet, hostname: "t" });
  });
  afterAll(async () => {
    await Promise.all([db?.drop(), redis?.cleanup()]);
  });

  const request = (path: string, init: RequestInit = {}) => web.fetch(new Request(`http://vote.test${path}`, init));

  async function createPoll(settings: Record<string, unknown> = {}) {
    const response = await request("/api/polls", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ question: "Tea or coffee?", options: ["Tea", "Coffee", "Water"], ...settings }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; manageToken: string };
  }

  it("serves every script and stylesheet the pages name, on Node from memory and on Workers from public/", async () => {
    // What wrangler's [build] command copies into public/ (the Workers assets directory) before it serves them.
    execFileSync(process.execPath, ["tools/copy-assets.ts"], { cwd: ROOT });
    const poll = await createPoll({
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const pages = ["/vote", "/new", `/p/${poll.id}`, `/p/${poll.id}/results`];
    const assets = new Set<string>();
    for (const page of pages) {
      const response = await request(page);
      expect(response.status, page).toBe(200);
      for (const asset of assetsOf(await response.text())) assets.add(asset);
    }
    expect([...assets]).toEqual(expect.arrayContaining(["/static/app.js", "/static/htmx.min.js", "/static/app.css"]));
    for (const asset of assets) {
      const served = await request(asset);
      expect(served.status, asset).toBe(200);
      const type = served.headers.get("content-type") ?? "";
      expect(type, asset).toMatch(asset.endsWith(".css") ? /^text\/css/ : /^text\/javascript/);
      expect(existsSync(join(ROOT, "public", asset)), `public${asset} for Workers Static Assets`).toBe(true);
    }
  });

  it("writes deadlines as <time> elements app.js puts in the reader's zone and counts down to", async () => {
    const closesAt = new Date(Date.now() + 3_600_000);
    closesAt.setUTCSeconds(0, 0);
    const poll = await createPoll({ closesAt: closesAt.toISOString() });
    const html = await (await request(`/p/${poll.id}`)).text();
    expect(html).toContain(`<time id="closes-at" datetime="${closesAt.toISOString()}" data-local="">`);
    expect(html).toMatch(new RegExp(`<time id="closes-at-countdown" datetime="[^"]+" data-countdown="/p/${poll.id}">`));

    const opensAt = new Date(Date.now() + 3_600_000).toISOString();
    const later = await createPoll({ opensAt });
    const ballot = await (await request(`/p/${later.id}`)).text();
    expect(ballot).toContain(`<time id="opens-at" datetime="${opensAt}" data-local="">`);
    expect(ballot).toContain(`data-countdown="/p/${later.id}"`);
  });

  const postForm = (path: string, fields: [string, string][], jar?: CookieJar) =>
    request(path, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        ...(jar ? { Cookie: jar.header() } : {}),
      },
      body: new URLSearchParams(fields).toString(),
    });

  it("creates a poll with its settings from the /new form, reading the times in the writer's zone", async () => {
    const response = await postForm("/new", [
      ["question", "Which two talks?"],
      ["option", "Edge"],
      ["option", "Postgres"],
      ["option", "Chaos"],
      ["option", ""],
      ["maxChoices", "2"],
      ["minChoices", "2"],
      ["opensAt", "2030-01-02T09:30"],
      ["opensAtOffset", "60"],
      ["closesAt", "2030-01-02T10:00"],
      ["closesAtOffset", ""],
      ["results", "hidden"],
      ["protection", "address"],
    ]);
    expect(response.status).toBe(303);
    const id = /^\/p\/([^/]+)\/manage/.exec(new URL(response.headers.get("location")!).pathname)![1]!;
    const poll = await (await request(`/api/polls/${id}`)).json();
    expect(poll).toMatchObject({
      question: "Which two talks?",
      minChoices: 2,
      maxChoices: 2,
      results: "hidden",
      protection: "address",
      // 09:30 at UTC+01:00; the closing time had no offset (no script ran), so it is UTC.
      opensAt: "2030-01-02T08:30:00.000Z",
      closesAt: "2030-01-02T10:00:00.000Z",
    });
    expect(poll.options).toHaveLength(3);
  });

  it("keeps a poll made from the form without settings exactly as before: single choice, counts for all", async () => {
    const response = await postForm("/new", [
      ["question", "Tea or coffee?"],
      ["option", "Tea"],
      ["option", "Coffee"],
    ]);
    expect(response.status).toBe(303);
    const id = /^\/p\/([^/]+)\/manage/.exec(new URL(response.headers.get("location")!).pathname)![1]!;
    const poll = await (await request(`/api/polls/${id}`)).json();
    expect(poll).toMatchObject({ minChoices: 1, maxChoices: 1, results: "always", protection: "cookie" });
    expect(poll.opensAt).toBeUndefined();
    expect(poll.closesAt).toBeUndefined();
  });

  it("refuses a bad setting on /new beside its own field and keeps every value typed", async () => {
    const base: [string, string][] = [
      ["question", "Which?"],
      ["option", "One"],
      ["option", "Two"],
    ];
    const cases: { fields: [string, string][]; field: string; says: RegExp }[] = [
      { fields: [["maxChoices", "3"]], field: "maxChoices", says: /1 to 2/ },
      { fields: [["maxChoices", "two"]], field: "maxChoices", says: /whole number/ },
      {
        fields: [
          ["maxChoices", "2"],
          ["minChoices", "3"],
        ],
        field: "minChoices",
        says: /maxChoices \(2\)/,
      },
      { fields: [["closesAt", "2001-01-01T00:00"]], field: "closesAt", says: /future/ },
      {
        fields: [
          ["opensAt", "2031-01-01T12:00"],
          ["closesAt", "2031-01-01T11:00"],
        ],
        field: "closesAt",
        says: /after opensAt/,
      },
      { fields: [["opensAt", "next week"]], field: "opensAt", says: /ISO-8601/ },
      { fields: [["results", "sometimes"]], field: "results", says: /one of/ },
      { fields: [["protection", "none"]], field: "protection", says: /one of/ },
    ];
    for (const { fields, field, says } of cases) {
      const response = await postForm("/new", [...base, ...fields]);
      expect(response.status, field).toBe(400);
      const html = await response.text();
      expect(html, field).toMatch(new RegExp(`<span class="field-error" id="${field}-error">[^<]*${says.source}`));
      expect(html, field).toMatch(new RegExp(`id="${field}"[^>]*aria-invalid="true"`));
      expect(html.match(/class="field-error"/g), field).toHaveLength(1);
      for (const [name, value] of fields) {
        if (name === "results" || name === "protection") continue;
        expect(html, `${field}: ${name} keeps ${value}`).toContain(`value="${value}"`);
      }
      expect(html).toContain('value="One"');
    }
  });
});
