import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "../helpers/browser.ts";

/** A running copy of the app for the browser: its base URL and how to stop it. */
export interface RunningApp {
  base: string;
  stop(): Promise<void>;
}

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
      // A marker that a reload would wipe: the page must update in place.
      await results.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));

      await ballot.goto(`${base}/vote`);
      await ballot.click("#vote-a");
      await expect.poll(() => ballot.locator("#vote-a").getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => ballot.locator(".note").textContent()).toContain("Your vote for Cats is recorded");

      await expect.poll(() => results.locator("#tally-a").getAttribute("data-votes"), { timeout: 5_000 }).toBe("1");
      await expect.poll(() => results.locator("#total").textContent()).toBe("1 vote");
      expect(await results.locator("#tally-a .percent").textContent()).toBe("100%");

      await ballot.click("#vote-b");
      await expect.poll(() => ballot.locator("#vote-b").getAttribute("aria-pressed")).toBe("true");
      await expect.poll(() => results.locator("#tally-b").getAttribute("data-votes"), { timeout: 5_000 }).toBe("1");
      expect(await results.locator("#tally-a").getAttribute("data-votes")).toBe("0");
      expect(await results.locator("#total").textContent()).toBe("1 vote");

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
      await context.close();
    });
  });
}
