import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** What a reader starts from: the README and every document under docs/. */
const DOCUMENTS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((name) => name.endsWith(".md"))
    .sort()
    .map((name) => `docs/${name}`),
];

/** Markdown without its fenced code blocks, where brackets and hashes are code, not links or headings. */
function withoutFences(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
}

/** Every link target in `markdown`: inline links (their text may span lines), images and reference definitions. */
function linkTargets(markdown: string): string[] {
  const prose = withoutFences(markdown).replace(/`[^`]+`/g, "code");
  const inline = [...prose.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const references = [...prose.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/gm)].map((m) => m[1]!);
  return [...inline, ...references];
}

/** The anchors GitHub gives a document's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const [, text] of withoutFences(markdown).matchAll(/^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const base = text!
      .replace(/`([^`]*)`/g, "$1")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
      .replace(/ /g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The relative links of one document that don't resolve, each with the reason. */
function brokenLinks(document: string): string[] {
  const markdown = readFileSync(join(ROOT, document), "utf8");
  const broken: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z\d+.-]*:/i.test(target) || target.startsWith("//")) continue;
    const [path = "", anchor] = target.split("#", 2);
    const file = path === "" ? document : normalize(join(dirname(document), decodeURI(path)));
    if (file.startsWith("..") || !existsSync(join(ROOT, file))) {
      broken.push(`${target}: no ${file} in the tree`);
      continue;
    }
    if (anchor === undefined || !file.endsWith(".md")) continue;
    if (!headingAnchors(readFileSync(join(ROOT, file), "utf8")).has(decodeURIComponent(anchor))) {
      broken.push(`${target}: ${file} has no heading with the anchor #${anchor}`);
    }
  }
  return broken;
}

describe("the README and the documents under docs/", () => {
  for (const document of DOCUMENTS) {
    it(`${document}: every relative link points at a file in the tree, and every anchor at one of its headings`, () => {
      expect(brokenLinks(document)).toEqual([]);
    });
  }

  it("the README links every document under docs/, so each can be found from it", () => {
    const linked = new Set(linkTargets(readFileSync(join(ROOT, "README.md"), "utf8")).map((t) => t.split("#")[0]));
    expect(DOCUMENTS.filter((document) => document !== "README.md" && !linked.has(document))).toEqual([]);
  });

  it("finds links as a reader sees them: inline, across lines, with a title, as references, never inside code", () => {
    const markdown = [
      'See [the\narchitecture](docs/architecture.md#where-things-are) and ![a chart](img/chart.png "Chart").',
      "[ref]: docs/capacity.md",
      "Not a link: `[x](nowhere.md)`.",
      "```",
      "[y](nowhere-either.md)",
      "```",
    ].join("\n");
    expect(linkTargets(markdown)).toEqual([
      "docs/architecture.md#where-things-are",
      "img/chart.png",
      "docs/capacity.md",
    ]);
  });

  it("names anchors as GitHub does: code kept, punctuation dropped, repeated headings numbered", () => {
    const markdown = "# Locally: `npm run dev`\n## How the original chart's settings map here\n## Tests\n### Tests\n";
    expect([...headingAnchors(markdown)]).toEqual([
      "locally-npm-run-dev",
      "how-the-original-charts-settings-map-here",
      "tests",
      "tests-1",
    ]);
  });
});
