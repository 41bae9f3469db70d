import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/logger.ts";
import { buildWeb } from "../../src/node/compose.ts";
import { parseNodeConfig } from "../../src/node/config.ts";
import { CookieJar } from "../helpers/cookie-jar.ts";
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
    const config = parseNodeConfig({
      COOKIE_SECRET: "ui-pages-secret-0123456789",
      REDIS_PREFIX: redis.prefix,
      POLL_CREATE_RATE_LIMIT: "0",
      VOTE_RATE_LIMIT: "0",
      VOTER_RATE_LIMIT: "0",
    });
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
      protection: "challenge",
      closesAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    const pages = ["/vote", "/new", `/p/${poll.id}`, `/p/${poll.id}/results`];
    // The ALTCHA widget's worker, which altcha-setup.js names.
    const assets = new Set<string>(["/static/altcha-sha-worker.js"]);
    for (const page of pages) {
      const response = await request(page);
      expect(response.status, page).toBe(200);
      for (const asset of assetsOf(await response.text())) assets.add(asset);
    }
    expect([...assets]).toEqual(
      expect.arrayContaining([
        "/static/app.js",
        "/static/htmx.min.js",
        "/static/app.css",
        "/static/altcha.js",
        "/static/altcha-setup.js",
        "/static/altcha.css",
      ]),
    );
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

  /** A poll created through the form, its manage cookie in the jar as the manage link leaves it. */
  async function ownPoll(settings: Record<string, unknown> = {}) {
    const poll = await createPoll(settings);
    const jar = new CookieJar();
    const handoff = await request(`/p/${poll.id}/manage?token=${poll.manageToken}`);
    jar.take(handoff);
    expect(jar.get("manage_token")).toBe(poll.manageToken);
    return { ...poll, jar };
  }
  const get = (path: string, jar: CookieJar) => request(path, { headers: { Cookie: jar.header() } });
  async function vote(id: string, choices: string[], jar = new CookieJar()) {
    const response = await postForm(
      `/p/${id}/vote`,
      choices.map((choice): [string, string] => ["vote", choice]),
      jar,
    );
    jar.take(response);
    return response;
  }

  it("shows the owner the settings, the deadline, the presenter link and an embed snippet to copy", async () => {
    const closesAt = new Date(Date.now() + 7_200_000).toISOString();
    const poll = await ownPoll({ maxChoices: 2, results: "hidden", protection: "address", closesAt });
    const html = await (await get(`/p/${poll.id}/manage`, poll.jar)).text();
    expect(html).toContain('<dd id="setting-choices">1 to 2 options</dd>');
    expect(html).toMatch(/<dd id="setting-results">No one but you, until you reveal them/);
    expect(html).toMatch(/<dd id="setting-protection">Also one voter per network address/);
    expect(html).toContain(`<time id="closes-at" datetime="${closesAt}" data-local="">`);
    expect(html).toContain(`data-countdown="/p/${poll.id}/manage"`);
    expect(html).toContain(`href="http://vote.test/p/${poll.id}/present"`);
    expect(html).toContain(
      `&lt;iframe src=&quot;http://vote.test/p/${poll.id}/embed&quot; title=&quot;Tea or coffee?&quot;`,
    );
    expect(html).toContain('id="reveal"');
  });

  it("reveals a hidden poll's counts from the manage page; the public results show them from then on", async () => {
    const poll = await ownPoll({ results: "hidden" });
    expect((await vote(poll.id, ["a"])).status).toBe(200);
    const before = await (await request(`/api/results?poll=${poll.id}`)).json();
    expect(before).toMatchObject({ hidden: true });
    expect(before.options[0].votes).toBeUndefined();

    expect((await request(`/p/${poll.id}/manage/reveal`, { method: "POST" })).status).toBe(401);
    const revealed = await postForm(`/p/${poll.id}/manage/reveal`, [], poll.jar);
    expect(revealed.status).toBe(303);
    expect(revealed.headers.get("location")).toBe(`/p/${poll.id}/manage`);
    const after = await (await request(`/api/results?poll=${poll.id}`)).json();
    expect(after.hidden).toBeUndefined();
    expect(after.options.map((option: { votes?: number }) => typeof option.votes)).toEqual([
      "number",
      "number",
      "number",
    ]);
    const manage = await (await get(`/p/${poll.id}/manage`, poll.jar)).text();
    expect(manage).not.toContain('id="reveal"');
    expect(manage).toContain("(revealed: everyone sees them now)");
  });

  it("resets a poll only with its box ticked, and then every ballot is gone", async () => {
    const poll = await ownPoll();
    const voter = new CookieJar();
    expect((await vote(poll.id, ["b"], voter)).status).toBe(200);
    expect(await (await get(`/p/${poll.id}`, voter)).text()).toContain('class="option chosen"');
    const unticked = await postForm(`/p/${poll.id}/manage/reset`, [], poll.jar);
    expect(unticked.status).toBe(400);
    expect(await unticked.text()).toMatch(/<span class="field-error" id="reset-error">Tick the box/);
    expect((await request(`/api/polls/${poll.id}`)).status).toBe(200);

    const reset = await postForm(`/p/${poll.id}/manage/reset`, [["confirm", "reset"]], poll.jar);
    expect(reset.status).toBe(303);
    expect(reset.headers.get("location")).toBe(`/p/${poll.id}/manage`);
    // The voter's ballot is gone: their page shows no choice.
    expect(await (await get(`/p/${poll.id}`, voter)).text()).not.toContain("chosen");
    expect((await postForm(`/p/${poll.id}/manage/reset`, [["confirm", "reset"]])).status).toBe(401);
  });

  it("deletes a poll only with its box ticked, forgets its manage cookie and says so on /new", async () => {
    const poll = await ownPoll();
    const unticked = await postForm(`/p/${poll.id}/manage/delete`, [["confirm", "reset"]], poll.jar);
    expect(unticked.status).toBe(400);
    expect(await unticked.text()).toMatch(/id="delete-error">Tick the box/);

    const wrong = new CookieJar();
    wrong.set("manage_token", "x".repeat(43));
    expect((await postForm(`/p/${poll.id}/manage/delete`, [["confirm", "delete"]], wrong)).status).toBe(403);

    const deleted = await postForm(`/p/${poll.id}/manage/delete`, [["confirm", "delete"]], poll.jar);
    expect(deleted.status).toBe(303);
    expect(deleted.headers.get("location")).toBe("/new?deleted=1");
    expect(deleted.headers.getSetCookie().filter((cookie) => /^manage_token=;.*Max-Age=0/.test(cookie))).toHaveLength(
      2,
    );
    expect(await (await request("/new?deleted=1")).text()).toContain("Your poll was deleted");
    for (const path of [`/p/${poll.id}`, `/p/${poll.id}/results`, `/api/polls/${poll.id}`]) {
      expect((await request(path)).status, path).toBe(404);
    }
  });

  it("edits the question and options before the first vote, refuses a bad one beside it, and 409s after a vote", async () => {
    const poll = await ownPoll();
    const page = await (await get(`/p/${poll.id}/manage`, poll.jar)).text();
    expect(page).toContain('id="edit-question"');

    const bad = await postForm(
      `/p/${poll.id}/manage/edit`,
      [
        ["question", "Tea or coffee?"],
        ["option", "Tea"],
      ],
      poll.jar,
    );
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/id="edit-options-error">options must be a list/);

    const edited = await postForm(
      `/p/${poll.id}/manage/edit`,
      [
        ["question", "Tea, coffee or juice?"],
        ["option", "Tea"],
        ["option", "Coffee"],
        ["option", "Juice"],
        ["option", ""],
      ],
      poll.jar,
    );
    expect(edited.status).toBe(303);
    const described = await (await request(`/api/polls/${poll.id}`)).json();
    expect(described.question).toBe("Tea, coffee or juice?");
    expect(described.options.map((o: { label: string }) => o.label)).toEqual(["Tea", "Coffee", "Juice"]);

    expect((await vote(poll.id, ["c"])).status).toBe(200);
    const late = await postForm(
      `/p/${poll.id}/manage/edit`,
      [
        ["question", "Something else?"],
        ["option", "Tea"],
        ["option", "Coffee"],
      ],
      poll.jar,
    );
    expect(late.status).toBe(409);
    expect(await late.text()).toMatch(/id="edit-error">Votes have been cast/);
    expect((await (await request(`/api/polls/${poll.id}`)).json()).question).toBe("Tea, coffee or juice?");
  });

  it("lets other sites frame the embed view and nothing else: every route of the app answers DENY but that one", async () => {
    const routes = web.routes.filter((route) => route.method !== "ALL" && !route.path.includes("*"));
    expect(routes.length).toBeGreaterThan(30);
    const targets = [
      ...routes.map((route) => ({ method: route.method, path: route.path })),
      { method: "GET", path: "/static/app.js" },
      { method: "GET", path: "/no/such/page" },
    ];
    for (const { method, path } of targets) {
      // A poll of its own for each request: some of them reset or delete it.
      const poll = await ownPoll({ results: "hidden" });
      const url = path.replaceAll(":poll", poll.id);
      const api = url.startsWith("/api/");
      const response = await request(url, {
        method,
        headers: {
          Cookie: poll.jar.header(),
          ...(api ? { Authorization: `Bearer ${poll.manageToken}` } : {}),
          ...(method === "GET"
            ? {}
            : { "Content-Type": api ? "application/json" : "application/x-www-form-urlencoded" }),
        },
        ...(method === "GET" ? {} : { body: api ? "{}" : "" }),
      });
      const csp = response.headers.get("content-security-policy") ?? "";
      const where = `${method} ${path} (${response.status})`;
      if (method === "GET" && path === "/p/:poll/embed") {
        expect(response.status, where).toBe(200);
        expect(csp, where).toContain("frame-ancestors *");
        expect(response.headers.get("x-frame-options"), where).toBeNull();
      } else {
        expect(csp, where).toContain("frame-ancestors 'none'");
        expect(response.headers.get("x-frame-options"), where).toBe("DENY");
      }
      await response.arrayBuffer();
    }
  });

  it("presents a hidden poll without its counts even to its owner's browser, with the owner's reveal button", async () => {
    const poll = await ownPoll({ results: "hidden", maxChoices: 2 });
    const voter = new CookieJar();
    expect((await vote(poll.id, ["a", "c"], voter)).status).toBe(200);

    const page = await get(`/p/${poll.id}/present`, poll.jar);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    const html = await page.text();
    expect(html).toContain('<body class="present">');
    expect(html).toContain(`src="/p/${poll.id}/qr.svg"`);
    expect(html).toContain(`href="http://vote.test/p/${poll.id}"`);
    expect(html).toContain(`hx-get="/p/${poll.id}/present/fragment"`);
    expect(html).toContain('id="hidden"');
    expect(html).not.toContain("data-votes");
    expect(html).toContain(`action="/p/${poll.id}/manage/reveal?back=present"`);

    const fragment = await (await get(`/p/${poll.id}/present/fragment`, poll.jar)).text();
    expect(fragment).not.toContain("data-votes");
    // The owner's own results page shows the counts: the presenter view is what the room sees.
    expect(await (await get(`/p/${poll.id}/results`, poll.jar)).text()).toContain("data-votes");

    // A stranger sees no owner buttons.
    expect(await (await request(`/p/${poll.id}/present`)).text()).not.toContain('id="reveal"');

    const revealed = await postForm(`/p/${poll.id}/manage/reveal?back=present`, [], poll.jar);
    expect(revealed.status).toBe(303);
    expect(revealed.headers.get("location")).toBe(`/p/${poll.id}/present`);
    const after = await (await request(`/p/${poll.id}/present/fragment`)).text();
    expect(after).toContain("data-votes");
    expect(await (await get(`/p/${poll.id}/present`, poll.jar)).text()).not.toContain('id="reveal"');
    expect((await request("/p/AAAAAAAAAAAA/present")).status).toBe(404);
  });

  it("embeds the live results and a link that votes in a tab of its own, counts hidden as on the results page", async () => {
    const poll = await ownPoll({ results: "after-close" });
    expect((await vote(poll.id, ["b"])).status).toBe(200);
    const embed = await request(`/p/${poll.id}/embed`);
    expect(embed.status).toBe(200);
    const html = await embed.text();
    expect(html).toContain('<body class="embed">');
    expect(html).toContain(`href="http://vote.test/p/${poll.id}" target="_blank" rel="noopener"`);
    expect(html).toContain(`hx-get="/p/${poll.id}/results/fragment"`);
    expect(html).not.toContain("data-votes");
    expect((await request("/p/AAAAAAAAAAAA/embed")).status).toBe(404);
  });
});
