import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Browser, BrowserContext, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium } from "../helpers/browser.ts";
import type { RunningApp } from "./targets.ts";

const QUESTION = "Which talk should open the conference?";
const OPTIONS = ["Edge runtimes", "Postgres tricks", "Accessible forms", "Chaos testing"];

/** Console errors and uncaught exceptions of a page, to be empty at the end. */
function watchForProblems(page: Page, problems: string[], expected: RegExp[] = []): Page {
  page.on("console", (message) => {
    if (message.type() === "error" && !expected.some((pattern) => pattern.test(message.text()))) {
      problems.push(`${page.url()}: ${message.text()}`);
    }
  });
  page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
  return page;
}

/** Fills /new and submits it; answers the response to the form post. */
async function submitNewPoll(page: Page, question: string, options: string[]): Promise<Response> {
  await page.fill("#question", question);
  for (let i = 0; i < 6; i++) await page.fill(`#option-${i + 1}`, options[i] ?? "");
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/new" && r.request().method() === "POST"),
    page.click("#create"),
  ]);
  await page.waitForLoadState("load");
  return response;
}

/** Creates a poll from /new in this page; answers its id, having followed the redirects to the manage page. */
async function createPollFromForm(page: Page, base: string, question: string, options: string[]): Promise<string> {
  await page.goto(`${base}/new`);
  const posted = await submitNewPoll(page, question, options);
  expect(posted.status()).toBe(303);
  const location = new URL(posted.headers().location ?? "", base);
  const match = /^\/p\/([^/]+)\/manage$/.exec(location.pathname);
  expect(match, `the form redirects to a manage page, not ${location}`).not.toBeNull();
  expect(location.searchParams.get("token")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  const id = match![1]!;
  await page.waitForURL(`${base}/p/${id}/manage`);
  return id;
}

/** What a poll's creator, its voters and its audience do in a real browser, against any target. */
export function describePollsInBrowser(name: string, start: () => Promise<RunningApp>): void {
  describe(`polls in a real browser (${name})`, () => {
    let app: RunningApp;
    let browser: Browser;
    let base: string;
    const shot = name.split(":")[0]!.toLowerCase();

    beforeAll(async () => {
      app = await start();
      base = app.base;
      browser = await launchChromium();
    });

    afterAll(async () => {
      await browser?.close();
      await app?.stop();
    });

    it("creates a poll from /new, takes two voters' votes, updates the results in place, and once closed refuses votes and stops polling; reopened, takes them again", async () => {
      const problems: string[] = [];
      const manager = await browser.newContext();
      const manage = watchForProblems(await manager.newPage(), problems);

      // Create: the form's 303 carries the token once; the manage page trades it for a cookie and cleans the address.
      const id = await createPollFromForm(manage, base, QUESTION, OPTIONS);
      const cookies = await manager.cookies();
      const manageCookies = cookies.filter((cookie) => cookie.name === "manage_token");
      // One cookie per poll-scoped path: its pages and its API.
      expect(manageCookies.map((cookie) => cookie.path).sort()).toEqual([`/api/polls/${id}`, `/p/${id}`]);
      for (const cookie of manageCookies) expect(cookie.httpOnly).toBe(true);
      expect(new URL(manage.url()).search).toBe("");

      expect(await manage.locator("h1").textContent()).toBe(QUESTION);
      expect(await manage.locator("#status").textContent()).toBe("open");
      expect(await manage.locator("#vote-link").getAttribute("href")).toBe(`${base}/p/${id}`);
      expect(await manage.locator("#qr").getAttribute("src")).toBe(`/p/${id}/qr.svg`);
      await expect
        .poll(() => manage.locator("#qr").evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0);
      const qr = await fetch(`${base}/p/${id}/qr.svg`);
      expect(qr.headers.get("content-type")).toContain("image/svg+xml");
      expect(await manage.locator("#close").count()).toBe(1);
      expect(await manage.locator("#reopen").count()).toBe(0);
      for (const option of ["a", "b", "c", "d"]) {
        expect(await manage.locator(`#results #tally-${option}`).getAttribute("data-votes")).toBe("0");
      }
      await expectAccessible(manage, "the manage page of an open poll");

      // Someone else has no manage cookie: the manage page refuses them.
      const stranger = await browser.newContext();
      const strangerPage = watchForProblems(await stranger.newPage(), problems, [/status of 401/]);
      const refused = await strangerPage.goto(`${base}/p/${id}/manage`);
      expect(refused?.status()).toBe(401);
      await expectAccessible(strangerPage, "the manage page refusing a visitor without the token");
      await stranger.close();

      // A watcher on the public results page; a reload would wipe the marker.
      const watcher = await browser.newContext();
      const results = watchForProblems(await watcher.newPage(), problems);
      const fragmentAnswers: { at: number; status: number }[] = [];
      results.on("response", (response) => {
        if (new URL(response.url()).pathname === `/p/${id}/results/fragment`) {
          fragmentAnswers.push({ at: Date.now(), status: response.status() });
        }
      });
      await results.goto(`${base}/p/${id}/results`);
      expect(await results.locator("h1").textContent()).toBe(QUESTION);
      expect(await results.locator("#results").getAttribute("hx-get")).toBe(`/p/${id}/results/fragment`);
      expect(await results.locator("#results").getAttribute("hx-trigger")).toBe("every 1s");
      await expect.poll(() => results.locator("#total").textContent()).toBe("No votes yet");
      await expectAccessible(results, "the results page of an open poll with no votes");
      await results.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

      // Two voters, two cookie jars.
      const voterOne = await browser.newContext();
      const voterTwo = await browser.newContext();
      const one = watchForProblems(await voterOne.newPage(), problems, [/409/]);
      const two = watchForProblems(await voterTwo.newPage(), problems);
      await one.goto(`${base}/p/${id}`);
      expect(await one.locator("h1").textContent()).toBe(QUESTION);
      expect(await one.locator("#ballot button").allTextContents()).toEqual(OPTIONS);
      await expectAccessible(one, "the vote page of a poll before a vote");

      await one.click("#vote-a");
      await expect.poll(() => one.locator("#vote-a").getAttribute("aria-pressed")).toBe("true");
      // htmx settles the class a moment after the swap.
      await expect.poll(() => one.locator("#vote-a").getAttribute("class")).toContain("chosen");
      await expect.poll(() => one.locator(".note").textContent()).toContain(`Your vote for ${OPTIONS[0]} is recorded`);
      await expectAccessible(one, "the vote page of a poll after a vote");
      await expect.poll(() => results.locator("#tally-a").getAttribute("data-votes"), { timeout: 5_000 }).toBe("1");
      await expect.poll(() => results.locator("#total").textContent()).toBe("1 vote");

      await two.goto(`${base}/p/${id}`);
      expect(await two.locator("#ballot .chosen").count()).toBe(0);
      await two.click("#vote-d");
      await expect.poll(() => two.locator("#vote-d").getAttribute("aria-pressed")).toBe("true");

      // The first voter changes their mind: one voter still counts once.
      await one.click("#vote-c");
      await expect.poll(() => one.locator("#vote-c").getAttribute("aria-pressed")).toBe("true");
      expect(await one.locator("#vote-a").getAttribute("aria-pressed")).toBe("false");

      const tallies = (page: Page) =>
        page.evaluate(() =>
          [...document.querySelectorAll("#results .tally")].map((li) => `${li.id}=${li.getAttribute("data-votes")}`),
        );
      const settled = ["tally-a=0", "tally-b=0", "tally-c=1", "tally-d=1"];
      await expect.poll(() => tallies(results), { timeout: 5_000 }).toEqual(settled);
      expect(await results.locator("#total").textContent()).toBe("2 votes");
      expect(await results.locator("#tally-c .percent").textContent()).toBe("50%");
      expect(await results.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      await expectAccessible(results, "the results page of an open poll after it updated itself");
      // The manage page's results are live too.
      await expect.poll(() => tallies(manage), { timeout: 5_000 }).toEqual(settled);

      // The exports: results for anyone, ballots for the manager (voters as salted hashes, never the cookie).
      const resultsCsv = await fetch(new URL((await manage.locator("#export-results").getAttribute("href"))!, base));
      expect(resultsCsv.status).toBe(200);
      expect((await resultsCsv.text()).split(/\r?\n/)[0]).toBe("option_id,label,votes,percent");
      const ballotsHref = (await manage.locator("#export-ballots").getAttribute("href"))!;
      const ballots = await manager.request.get(new URL(ballotsHref, base).toString());
      expect(ballots.status()).toBe(200);
      const ballotLines = (await ballots.text()).split(/\r?\n/).filter((line) => line !== "");
      expect(ballotLines[0]).toBe("voter,option_id,cast_at");
      expect(
        ballotLines
          .map((line) => line.split(",")[1])
          .slice(1)
          .sort(),
      ).toEqual(["c", "d"]);
      for (const context of [voterOne, voterTwo]) {
        const voterId = decodeURIComponent((await context.cookies()).find((c) => c.name === "voter_id")!.value);
        for (const line of ballotLines) expect(line).not.toContain(voterId.split(".")[0]);
      }
      expect((await fetch(new URL(ballotsHref, base))).status).toBe(401);

      // Close from the manage page.
      await manage.click("#close");
      await expect.poll(() => manage.locator("#status").textContent()).toBe("closed");
      expect(await manage.locator("#reopen").count()).toBe(1);
      expect(await manage.locator("#close").count()).toBe(0);
      expect(new URL(manage.url()).pathname).toBe(`/p/${id}/manage`);
      await expectAccessible(manage, "the manage page of a closed poll");

      // The first voter's page was loaded while the poll was open: the vote is refused, and why is shown.
      const refusedVote = one.waitForResponse((r) => new URL(r.url()).pathname === `/p/${id}/vote`);
      await one.click("#vote-b");
      expect((await refusedVote).status()).toBe(409);
      await expect.poll(() => one.locator("#flash").textContent()).toContain("closed");
      expect(await one.locator("#vote-c").getAttribute("aria-pressed")).toBe("true");
      await expectAccessible(one, "the vote page showing a vote refused by a closed poll");
      // Loaded now, the page says so and offers no vote.
      await two.goto(`${base}/p/${id}`);
      expect(await two.locator("#ballot").textContent()).toContain("closed");
      await expectAccessible(two, "the vote page of a closed poll");
      const apiVote = await fetch(`${base}/api/votes`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ poll: id, vote: "a" }),
      });
      expect(apiVote.status).toBe(409);

      // The results page learns it is closed without a reload, and stops asking.
      await expect
        .poll(() => results.locator("#closed").textContent(), { timeout: 5_000 })
        .toContain("This poll is closed");
      expect(fragmentAnswers.map((answer) => answer.status)).toContain(286);
      const lastAsked = fragmentAnswers.length;
      await results.waitForTimeout(3_500);
      expect(fragmentAnswers.slice(lastAsked), "requests to the fragment after the poll closed").toEqual([]);
      expect(await results.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      expect(await tallies(results)).toEqual(settled);
      await expectAccessible(results, "the results page of a closed poll");

      const api = await (await fetch(`${base}/api/results?poll=${id}`)).json();
      expect(api).toMatchObject({ poll: id, question: QUESTION, total: 2, status: "closed" });
      expect(api.options.map((o: { id: string; votes: number }) => `${o.id}=${o.votes}`)).toEqual([
        "a=0",
        "b=0",
        "c=1",
        "d=1",
      ]);

      // Reopened, it takes votes again, and the manage page's results are live again.
      await manage.click("#reopen");
      await expect.poll(() => manage.locator("#status").textContent()).toBe("open");
      expect(await manage.locator("#close").count()).toBe(1);
      await two.goto(`${base}/p/${id}`);
      await two.click("#vote-a");
      await expect.poll(() => two.locator("#vote-a").getAttribute("aria-pressed")).toBe("true");
      await expect
        .poll(() => tallies(manage), { timeout: 5_000 })
        .toEqual(["tally-a=1", "tally-b=0", "tally-c=1", "tally-d=0"]);

      await manage.screenshot({ path: `test-results/${shot}-polls-manage-page.png`, fullPage: true });
      expect(problems).toEqual([]);
      for (const context of [manager, watcher, voterOne, voterTwo]) await context.close();
    });

    it("creates a multi-select poll with hidden counts from the form, takes two-option ballots without showing counts, reveals them from the manage page, and presents it", async () => {
      const problems: string[] = [];
      // A zone with a half-hour offset: the form must send it, and the pages must show times in it.
      const manager = await browser.newContext({ timezoneId: "Asia/Kolkata", locale: "en-GB" });
      const manage = watchForProblems(await manager.newPage(), problems);
      await manage.goto(`${base}/new`);
      await manage.fill("#question", "Which two workshops?");
      for (const [i, option] of ["Testing", "Tracing", "Typing", "Tuning"].entries()) {
        await manage.fill(`#option-${i + 1}`, option);
      }
      await manage.fill("#maxChoices", "2");
      await manage.fill("#minChoices", "2");
      await manage.selectOption("#results", "hidden");
      const closes = new Date(Date.now() + 3 * 86_400_000);
      // The wall clock in Kolkata (UTC+05:30), as a datetime-local field takes it.
      const local = new Date(closes.getTime() + 330 * 60_000).toISOString().slice(0, 16);
      await manage.fill("#closesAt", local);
      await expectAccessible(manage, "the new-poll form with its settings filled in");
      const [created] = await Promise.all([
        manage.waitForResponse((r) => new URL(r.url()).pathname === "/new" && r.request().method() === "POST"),
        manage.click("#create"),
      ]);
      expect(created.status()).toBe(303);
      const id = /^\/p\/([^/]+)\/manage$/.exec(new URL(created.headers().location!, base).pathname)![1]!;
      await manage.waitForURL(`${base}/p/${id}/manage`);
      const described = await (await fetch(`${base}/api/polls/${id}`)).json();
      expect(described).toMatchObject({ minChoices: 2, maxChoices: 2, results: "hidden", protection: "cookie" });
      expect(described.closesAt).toBe(new Date(`${local}:00+05:30`).toISOString());

      // The manage page: the settings, the deadline in the manager's zone with a countdown, the reveal button.
      expect(await manage.locator("#setting-choices").textContent()).toBe("exactly 2 options");
      await expect.poll(() => manage.locator("#closes-at").textContent()).not.toContain("UTC");
      expect(await manage.locator("#closes-at").getAttribute("title")).toBe(described.closesAt);
      await expect.poll(() => manage.locator("#closes-at-countdown").textContent()).toMatch(/^in [23] days$/);
      expect(await manage.locator("#embed-code").inputValue()).toContain(`src="${base}/p/${id}/embed"`);
      expect(await manage.locator("#reveal").count()).toBe(1);
      await expectAccessible(manage, "the manage page of a hidden multi-select poll");

      // Two voters tick two boxes each; neither sees a count.
      const voters = [await browser.newContext(), await browser.newContext()];
      const ballots = [
        ["a", "c"],
        ["a", "d"],
      ];
      for (const [n, context] of voters.entries()) {
        const page = watchForProblems(await context.newPage(), problems);
        await page.goto(`${base}/p/${id}`);
        expect(await page.locator(".note").textContent()).toBe("Pick 2.");
        await expect.poll(() => page.locator("#closes-at-countdown").textContent()).toMatch(/^in /);
        for (const option of ballots[n]!) await page.check(`#vote-${option}`);
        await page.click("#cast");
        await expect.poll(() => page.locator(".note").textContent()).toContain("is recorded");
        for (const option of ballots[n]!) expect(await page.locator(`#vote-${option}`).isChecked()).toBe(true);
        await expectAccessible(page, `the ballot of a multi-select poll after voter ${n + 1} voted`);
        await page.goto(`${base}/p/${id}/results`);
        expect(await page.locator("#hidden").textContent()).toContain("hidden");
        expect(await page.locator("[data-votes]").count()).toBe(0);
        await expectAccessible(page, "the results page with the counts hidden");
      }
      const publicResults = await (await fetch(`${base}/api/results?poll=${id}`)).json();
      expect(publicResults.hidden).toBe(true);

      // The presenter view, in the owner's own browser, shows the room no counts either; then how many voted.
      const present = watchForProblems(await manager.newPage(), problems);
      await present.goto(`${base}/p/${id}/present`);
      expect(await present.locator("h1").textContent()).toBe("Which two workshops?");
      expect(await present.locator("#vote-link").getAttribute("href")).toBe(`${base}/p/${id}`);
      await expect
        .poll(() => present.locator("#qr").evaluate((img: HTMLImageElement) => img.naturalWidth))
        .toBeGreaterThan(0);
      await expect.poll(() => present.locator("#total").textContent(), { timeout: 5_000 }).toBe("2 people voted");
      expect(await present.locator("[data-votes]").count()).toBe(0);
      await expectAccessible(present, "the presenter view of a hidden poll");

      // The owner sees the counts on the manage page; reveals them there, and everyone does.
      await expect.poll(() => manage.locator("#tally-a").getAttribute("data-votes"), { timeout: 5_000 }).toBe("2");
      await manage.click("#reveal");
      await expect.poll(() => manage.locator("#setting-results").textContent()).toContain("revealed");
      expect(await manage.locator("#reveal").count()).toBe(0);
      const watcher = await browser.newContext();
      const results = watchForProblems(await watcher.newPage(), problems);
      await results.goto(`${base}/p/${id}/results`);
      const counts = () =>
        results.evaluate(() =>
          [...document.querySelectorAll("#results .tally")].map((li) => `${li.id}=${li.getAttribute("data-votes")}`),
        );
      await expect.poll(counts, { timeout: 5_000 }).toEqual(["tally-a=2", "tally-b=0", "tally-c=1", "tally-d=1"]);
      // Two voters, four selections: percentages are of the voters.
      expect(await results.locator("#tally-a .percent").textContent()).toBe("100%");
      // The presenter view picks the counts up by itself.
      await expect.poll(() => present.locator("#tally-a").getAttribute("data-votes"), { timeout: 5_000 }).toBe("2");
      await present.screenshot({ path: `test-results/${shot}-polls-present-page.png`, fullPage: true });

      expect(problems).toEqual([]);
      for (const context of [manager, watcher, ...voters]) await context.close();
    });

    it("counts down to a poll's closing time and closes the open ballot by itself when it passes", async () => {
      const closesAt = new Date(Date.now() + 6_000).toISOString();
      const created = await fetch(`${base}/api/polls`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: "Closing soon?", options: ["Yes", "No"], closesAt }),
      });
      const { id } = (await created.json()) as { id: string };
      const context = await browser.newContext();
      const problems: string[] = [];
      const page = watchForProblems(await context.newPage(), problems);
      await page.goto(`${base}/p/${id}`);
      await expect.poll(() => page.locator("#closes-at-countdown").textContent()).toMatch(/^in 0:0\d$/);
      expect(await page.locator("#vote-a").isDisabled()).toBe(false);
      // No reload by the test: app.js loads the page again once the time has come.
      await expect
        .poll(() => page.locator(".note").textContent(), { timeout: 15_000 })
        .toBe("This poll is closed: votes are no longer taken.");
      expect(await page.locator("#vote-a").isDisabled()).toBe(true);
      expect(problems).toEqual([]);
      await context.close();
    });

    it("solves the ALTCHA challenge in the browser and takes the vote of a poll that asks for one", async () => {
      const context = await browser.newContext();
      const problems: string[] = [];
      const page = watchForProblems(await context.newPage(), problems);
      await page.goto(`${base}/new`);
      await page.fill("#question", "Robots welcome?");
      await page.fill("#option-1", "No");
      await page.fill("#option-2", "Certainly not");
      await page.selectOption("#protection", "challenge");
      await Promise.all([page.waitForURL(/\/manage$/), page.click("#create")]);
      const id = /\/p\/([^/]+)\/manage$/.exec(page.url())![1]!;
      expect((await (await fetch(`${base}/api/polls/${id}`)).json()).protection).toBe("challenge");

      await page.goto(`${base}/p/${id}`);
      // The widget solves on load and leaves its solution in the form.
      await expect
        .poll(
          () =>
            page
              .locator('#ballot input[name="altcha"]')
              .inputValue()
              .catch(() => ""),
          { timeout: 20_000 },
        )
        .not.toBe("");
      await page.click("#vote-b");
      await expect.poll(() => page.locator(".note").textContent(), { timeout: 10_000 }).toContain("is recorded");
      expect(await page.locator("#vote-b").getAttribute("aria-pressed")).toBe("true");
      // A vote without a solution is refused.
      const bare = await fetch(`${base}/api/votes`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ poll: id, vote: "a" }),
      });
      expect(bare.status).toBe(403);
      expect(problems).toEqual([]);
      await context.close();
    });

    it("gives the owner keys on the presenter view: r reveals the counts, c closes the poll, and the view stays", async () => {
      const created = await fetch(`${base}/api/polls`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: "Keys?", options: ["Yes", "No"], results: "hidden" }),
      });
      const { id, links } = (await created.json()) as { id: string; links: { manage: string } };
      const context = await browser.newContext();
      const problems: string[] = [];
      const page = watchForProblems(await context.newPage(), problems);
      await page.goto(links.manage);
      await page.waitForURL(`${base}/p/${id}/manage`);
      await page.goto(`${base}/p/${id}/present`);
      expect(await page.locator("#hidden").count()).toBe(1);
      await Promise.all([page.waitForEvent("load"), page.keyboard.press("r")]);
      expect(page.url()).toBe(`${base}/p/${id}/present`);
      expect(await page.locator("#reveal").count()).toBe(0);
      await expect.poll(() => page.locator("#tally-a").getAttribute("data-votes"), { timeout: 5_000 }).toBe("0");
      await Promise.all([page.waitForEvent("load"), page.keyboard.press("c")]);
      expect(page.url()).toBe(`${base}/p/${id}/present`);
      expect(await page.locator("#closed").textContent()).toContain("closed");
      expect(await page.locator("#close").count()).toBe(0);
      expect((await (await fetch(`${base}/api/polls/${id}`)).json()).status).toBe("closed");
      // Someone without the manage cookie has no keys to press.
      const stranger = await browser.newContext();
      const other = await stranger.newPage();
      await other.goto(`${base}/p/${id}/present`);
      expect(await other.locator(".present-owner").count()).toBe(0);
      expect(problems).toEqual([]);
      await Promise.all([context.close(), stranger.close()]);
    });

    it("shows the embed view inside another site's iframe, and refuses to be framed anywhere else", async () => {
      const created = await fetch(`${base}/api/polls`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: "Embedded?", options: ["Yes", "No"] }),
      });
      const { id, manageToken } = (await created.json()) as { id: string; manageToken: string };
      // The snippet as the manage page offers it, pasted as is.
      const manage = await fetch(`${base}/p/${id}/manage`, {
        headers: { Authorization: `Bearer ${manageToken}` },
      }).then((response) => response.text());
      const snippet = (/<textarea id="embed-code"[^>]*>([\s\S]*?)<\/textarea>/.exec(manage)?.[1] ?? "")
        .replaceAll("&lt;", "<")
        .replaceAll("&gt;", ">")
        .replaceAll("&quot;", '"')
        .replaceAll("&#39;", "'")
        .replaceAll("&amp;", "&")
        .trim();
      expect(snippet).toMatch(/^<iframe src=/);
      // Another site (localhost is not 127.0.0.1's site) framing the embed view and the results page.
      const blog = createServer((_request, response) => {
        response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        response.end(
          `<!DOCTYPE html><title>Blog</title>${snippet.replace("<iframe ", '<iframe id="embed" ')}` +
            `<iframe id="results" title="results" src="${base}/p/${id}/results"></iframe>`,
        );
      });
      await new Promise<void>((resolve) => blog.listen(0, "127.0.0.1", resolve));
      const port = (blog.address() as AddressInfo).port;
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        const refusals: string[] = [];
        page.on("console", (message) => {
          if (message.type() === "error") refusals.push(message.text());
        });
        await page.goto(`http://localhost:${port}/`);
        const embed = page.frameLocator("#embed");
        await expect.poll(() => embed.locator("h1").textContent(), { timeout: 5_000 }).toBe("Embedded?");
        expect(await embed.locator("#vote-link").getAttribute("target")).toBe("_blank");
        await expect.poll(() => embed.locator("#total").textContent()).toBe("No votes yet");
        // The snippet's frame takes the embed view's own height (not its starting 560 px): nothing to scroll, no gap.
        const contentHeight = await embed.locator("main").evaluate((main) => {
          const style = getComputedStyle(main);
          const outer =
            main.getBoundingClientRect().height +
            Number.parseFloat(style.marginTop) +
            Number.parseFloat(style.marginBottom);
          return Math.ceil(outer);
        });
        await expect
          .poll(() => page.locator("#embed").evaluate((frame) => (frame as HTMLElement).getBoundingClientRect().height))
          .toBe(contentHeight);
        const inFrame = await embed
          .locator("html")
          .evaluate((html) => ({ scroll: html.scrollHeight, client: html.clientHeight }));
        expect(inFrame.scroll).toBeLessThanOrEqual(inFrame.client);
        // A vote from the frame opens its answer in a tab of its own, the voter cookie with it: a second
        // vote from the frame changes that voter's ballot instead of adding a voter.
        for (const option of ["vote-a", "vote-b"]) {
          const [tab] = await Promise.all([context.waitForEvent("page"), embed.locator(`#${option}`).click()]);
          await tab.waitForLoadState();
          expect(await tab.locator(".note").textContent()).toContain("is recorded");
          await tab.close();
        }
        // One voter whose ballot moved from a to b. The two ballots may reach the database in two batches:
        // wait for the last one, not for the first count.
        await expect
          .poll(
            async () => {
              const results = (await (await fetch(`${base}/api/results?poll=${id}`)).json()) as {
                participants: number;
                options: { votes: number }[];
              };
              return { participants: results.participants, votes: results.options.map((option) => option.votes) };
            },
            { timeout: 20_000 },
          )
          .toEqual({ participants: 1, votes: [0, 1] });
        // The results page may not be framed: Chromium refuses it and says why.
        await expect
          .poll(() => refusals.join("\n"), { timeout: 5_000 })
          .toMatch(/frame-ancestors|X-Frame-Options|refused to (display|frame)/i);
        const results = page.frames().find((frame) => frame.url().includes("/results"));
        expect(await results?.evaluate(() => document.querySelector("h1")?.textContent).catch(() => null)).not.toBe(
          "Embedded?",
        );
      } finally {
        await context.close();
        await new Promise((resolve) => blog.close(resolve));
      }
    });

    it("opens the manage link followed from another site (a webmail or chat page): the manage page, its address cleaned", async () => {
      const created = await fetch(`${base}/api/polls`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question: "Opened from a webmail?", options: ["Yes", "No"] }),
      });
      const { id, links } = (await created.json()) as { id: string; links: { manage: string } };
      // Another site: localhost is not 127.0.0.1's site, so the link's navigation is cross-site.
      const webmail = createServer((_request, response) => {
        response.writeHead(200, { "Content-Type": "text/html; charset=utf-8" });
        response.end(`<!DOCTYPE html><title>Inbox</title><a id="open" href="${links.manage}">Manage your poll</a>`);
      });
      await new Promise<void>((resolve) => webmail.listen(0, "127.0.0.1", resolve));
      const port = (webmail.address() as AddressInfo).port;
      const context = await browser.newContext();
      try {
        const page = await context.newPage();
        await page.goto(`http://localhost:${port}/`);
        await Promise.all([page.waitForURL(`${base}/p/${id}/manage`), page.click("#open")]);
        expect(await page.locator("h1").textContent()).toBe("Opened from a webmail?");
        expect(await page.locator("#status").textContent()).toBe("open");
        const cookies = (await context.cookies()).filter((cookie) => cookie.name === "manage_token");
        expect(cookies.map((cookie) => cookie.sameSite)).toEqual(["Strict", "Strict"]);
        // The page's own actions work with the cookie: close from it.
        await Promise.all([page.waitForURL(`${base}/p/${id}/manage`), page.click("#close")]);
        expect(await page.locator("#status").textContent()).toBe("closed");
      } finally {
        await context.close();
        await new Promise((resolve) => webmail.close(resolve));
      }
    });

    it("refuses a bad field on /new with 400, keeps what was typed and says why beside the field", async () => {
      const context = await browser.newContext();
      const problems: string[] = [];
      const page = watchForProblems(await context.newPage(), problems, [/status of 400/]);
      await page.goto(`${base}/new`);
      expect(await page.locator('form[method="post"][action="/new"]').count()).toBe(1);
      expect(await page.locator('input[name="option"]').count()).toBe(6);
      await expectAccessible(page, "the new-poll form");

      // An empty question.
      let response = await submitNewPoll(page, "   ", ["Tea", "Coffee"]);
      expect(response.status()).toBe(400);
      expect(await page.locator("#question-error").textContent()).toMatch(/question/i);
      expect(await page.inputValue("#option-1")).toBe("Tea");
      expect(await page.inputValue("#option-2")).toBe("Coffee");
      expect(await page.locator("#question").getAttribute("aria-invalid")).toBe("true");
      await expectAccessible(page, "the new-poll form refusing an empty question");

      // One option only.
      response = await submitNewPoll(page, "Tea or coffee?", ["Tea"]);
      expect(response.status()).toBe(400);
      expect(await page.locator("#options-error").textContent()).toMatch(/option/i);
      expect(await page.locator("#question-error").count()).toBe(0);
      expect(await page.inputValue("#question")).toBe("Tea or coffee?");
      expect(await page.inputValue("#option-1")).toBe("Tea");
      await expectAccessible(page, "the new-poll form refusing a single option");

      // Two options that differ only in case.
      response = await submitNewPoll(page, "Tea or coffee?", ["Tea", "TEA"]);
      expect(response.status()).toBe(400);
      expect(await page.locator("#options-error").textContent()).toMatch(/twice|differ/i);
      expect(await page.inputValue("#option-2")).toBe("TEA");
      expect(page.url()).toBe(`${base}/new`);

      expect(problems).toEqual([]);
      await context.close();
    });

    it("shows hostile questions and options as text on every page and never runs them", async () => {
      const hostile = [
        {
          question: "<img src=x onerror=alert(1)>",
          options: ['"><script>alert(2)</script>', "<b onmouseover=alert(3)>bold</b>", "' autofocus onfocus='alert(4)"],
        },
        {
          question: '"><script>alert(1)</script>',
          options: ["<img src=x onerror=alert(5)>", "</textarea><svg onload=alert(6)>"],
        },
      ];
      // The CSP alone would stop inline handlers and scripts; bypassed here, only the escaping stands
      // between these strings and the page, so a missed escape shows up as a dialog.
      const context: BrowserContext = await browser.newContext({ bypassCSP: true });
      const dialogs: string[] = [];
      context.on("dialog", (dialog) => {
        dialogs.push(`${dialog.type()}: ${dialog.message()} on ${dialog.page()?.url()}`);
        void dialog.dismiss();
      });
      const page = await context.newPage();

      /** Nothing the hostile strings could have become exists, and the text reads as typed. */
      async function expectInert(where: string, texts: string[]) {
        const found = await page.evaluate(() => ({
          scripts: [...document.scripts].map((script) => script.getAttribute("src") ?? `inline: ${script.text}`),
          handlers: [...document.querySelectorAll("*")].flatMap((element) =>
            [...element.attributes].filter((a) => a.name.startsWith("on")).map((a) => `${element.tagName} ${a.name}`),
          ),
          injected: document.querySelectorAll("img[src='x'], svg[onload], b[onmouseover], [autofocus]").length,
          text: `${document.title}\n${document.body.textContent}`,
          values: [...document.querySelectorAll("input")].map((input) => input.value),
        }));
        expect(found.scripts, where).toEqual(["/static/htmx.min.js", "/static/app.js"]);
        expect(found.handlers, where).toEqual([]);
        expect(found.injected, where).toBe(0);
        for (const text of texts) expect(`${found.text}\n${found.values.join("\n")}`, where).toContain(text);
        expect(dialogs, where).toEqual([]);
      }

      for (const [n, { question, options }] of hostile.entries()) {
        // The form refusing it keeps the hostile text, as text.
        await page.goto(`${base}/new`);
        expect((await submitNewPoll(page, question, options.slice(0, 1))).status()).toBe(400);
        expect(await page.inputValue("#question")).toBe(question);
        await expectInert(`the refused form (${n})`, [question, options[0]!]);
        await expectAccessible(page, `the new-poll form refusing hostile input (${n})`);

        const id = await createPollFromForm(page, base, question, options);
        expect(await page.locator("h1").textContent()).toBe(question);
        expect(await page.title()).toContain(question);
        await expectInert(`the manage page (${n})`, [question, ...options]);
        await expectAccessible(page, `the manage page of a hostile poll (${n})`);

        await page.goto(`${base}/p/${id}`);
        expect(await page.locator("h1").textContent()).toBe(question);
        expect(await page.locator("#ballot button").allTextContents()).toEqual(options);
        await expectInert(`the vote page (${n})`, [question, ...options]);
        await page.click("#vote-a");
        await expect
          .poll(() => page.locator(".note").textContent())
          .toContain(`Your vote for ${options[0]} is recorded`);
        await expectInert(`the vote page after an htmx vote (${n})`, [question, ...options]);
        await expectAccessible(page, `the vote page of a hostile poll (${n})`);

        await page.goto(`${base}/p/${id}/results`);
        expect(await page.locator("h1").textContent()).toBe(question);
        await expect.poll(() => page.locator("#tally-a").getAttribute("data-votes"), { timeout: 5_000 }).toBe("1");
        expect(await page.locator("#results .label").allTextContents()).toEqual(options);
        await expectInert(`the results page after htmx swapped it (${n})`, [question, ...options]);
        await expectAccessible(page, `the results page of a hostile poll (${n})`);

        const described = await (await fetch(`${base}/api/polls/${id}`)).json();
        expect(described.question).toBe(question);
        expect(described.options.map((o: { label: string }) => o.label)).toEqual(options);
      }
      expect(dialogs).toEqual([]);
      await context.close();
    });
  });
}
