import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectAccessible, launchChromium } from "../helpers/browser.ts";
import type { RunningApp } from "./targets.ts";

/** What a voter does in a real browser, against any target. */
export function describeVoterInBrowser(name: string, start: () => Promise<RunningApp>): void {
  describe(`a voter in a real browser (${name})`, () => {
    let browser: Browser;
    let app: RunningApp;
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

    it("votes with htmx and watches the results page update by itself, then changes the vote", async () => {
      const context = await browser.newContext();
      const problems: string[] = [];
      const results = await context.newPage();
      const ballot = await context.newPage();
      for (const page of [results, ballot]) {
        page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
        page.on("pageerror", (error) => problems.push(error.message));
      }

      await results.goto(`${base}/result`);
      await expect.poll(() => results.locator("#total").textContent()).toBe("No votes yet");
      await expectAccessible(results, "the results page with no votes");
      // A marker that a reload would wipe: the page must update in place.
      await results.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

      await ballot.goto(`${base}/vote`);
      await expectAccessible(ballot, "the vote page before a vote");
      await ballot.click("#vote-a");
      await expect.poll(() => ballot.locator("#vote-a").getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => ballot.locator(".note").textContent()).toContain("Your vote for Cats is recorded");
      await expectAccessible(ballot, "the vote page after voting for the first option");

      await expect.poll(() => results.locator("#tally-a").getAttribute("data-votes"), { timeout: 5_000 }).toBe("1");
      await expect.poll(() => results.locator("#total").textContent()).toBe("1 vote");
      expect(await results.locator("#tally-a .percent").textContent()).toBe("100%");

      await ballot.click("#vote-b");
      await expect.poll(() => ballot.locator("#vote-b").getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => results.locator("#tally-b").getAttribute("data-votes"), { timeout: 5_000 }).toBe("1");
      expect(await results.locator("#tally-a").getAttribute("data-votes")).toBe("0");
      expect(await results.locator("#total").textContent()).toBe("1 vote");
      await expectAccessible(ballot, "the vote page after voting for the second option");
      await expectAccessible(results, "the results page after it updated itself");

      expect(await results.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
      await ballot.screenshot({ path: `test-results/${shot}-vote-page.png` });
      await results.screenshot({ path: `test-results/${shot}-results-page.png` });
      expect(problems).toEqual([]);
      await context.close();
    });

    it("works without JavaScript: the form posts and the full page comes back", async () => {
      const context = await browser.newContext({ javaScriptEnabled: false });
      const page = await context.newPage();
      await page.goto(`${base}/vote`);
      await page.click("#vote-b");
      await page.waitForURL(`${base}/vote`);
      expect(await page.locator("#vote-b").getAttribute("aria-pressed")).toBe("true");
      expect(await page.locator(".note").textContent()).toContain("Your vote for Dogs is recorded");
      // axe needs JavaScript: the same voter's full page, opened where it runs.
      const checker = await browser.newContext();
      await checker.addCookies(await context.cookies());
      const again = await checker.newPage();
      await again.goto(`${base}/vote`);
      expect(await again.locator("#vote-b").getAttribute("aria-pressed")).toBe("true");
      await expectAccessible(again, "the full vote page of a voter who has voted");
      await checker.close();
      await context.close();
    });

    it("shows a refused vote's reason without losing the ballot", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${base}/vote`);
      // A tampered button: the server refuses the option and htmx shows why.
      await page.evaluate(() => document.querySelector("#vote-a")?.setAttribute("value", "zebra"));
      await page.click("#vote-a");
      await expect.poll(() => page.locator("#flash").textContent()).toContain("Unknown option");
      expect(await page.locator("#ballot button").count()).toBe(2);
      await expectAccessible(page, "the vote page showing a refused vote");
      await context.close();
    });

    it("answers an unknown address with an error page that is accessible and leads back to the vote", async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const response = await page.goto(`${base}/no-such-page`);
      expect(response?.status()).toBe(404);
      expect(await page.getByRole("alert").textContent()).toContain("Not found");
      await expectAccessible(page, "the 404 error page");
      await page.click("text=Back to the vote");
      await page.waitForURL(`${base}/vote`);
      await context.close();
    });
  });
}
