import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Debian's Chromium, headless, with nothing that reaches for the network on its own. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}

const AXE_SOURCE_PATH = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
let axeSource: string | undefined;

/** The WCAG 2.0/2.1 A and AA rules: what the pages promise. */
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

/**
 * Runs axe-core on the page as it is now and returns one line per failing
 * element: rule id, impact, target, and why.
 *
 * The pages' CSP is `script-src 'self'`, so page.addScriptTag (an inline
 * <script>) is refused, and bypassCSP would test the pages under a policy
 * they don't ship with. axe's source is evaluated through the DevTools
 * protocol instead (page.evaluate), which CSP doesn't govern; the page keeps
 * its real policy and nothing is added to its DOM.
 */
export async function axeViolations(page: Page): Promise<string[]> {
  axeSource ??= readFileSync(AXE_SOURCE_PATH, "utf8");
  // page.evaluate never settles in a context without JavaScript: say so rather than hang.
  let timer: NodeJS.Timeout | undefined;
  const hasAxe = await Promise.race([
    page.evaluate(() => "axe" in window),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error("axe-core can't run here: does this context have JavaScript?")),
        10_000,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  if (!hasAxe) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<unknown> } }).axe;
    const result = (await axe.run(document, { runOnly: { type: "tag", values: tags } })) as {
      violations: AxeViolation[];
    };
    return result.violations.map(({ id, impact, help, nodes }) => ({
      id,
      impact,
      help,
      nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
    }));
  }, AXE_TAGS);
  return violations.flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `${violation.id} (${violation.impact ?? "no impact"}) at ${JSON.stringify(node.target)}: ${violation.help}` +
        (node.failureSummary ? ` | ${node.failureSummary.replace(/\s+/g, " ")}` : ""),
    ),
  );
}

/** Fails with every WCAG 2.1 A/AA violation axe-core finds on the page, naming where the page was. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    throw new Error(
      `axe-core found ${violations.length} WCAG 2.1 A/AA violation(s) on ${where} (${page.url()}):\n  ${violations.join("\n  ")}`,
    );
  }
}
