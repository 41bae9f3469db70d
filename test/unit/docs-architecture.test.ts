import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/root.ts";

// docs/architecture.md's "Where things are" is the one place that names source
// files: it must name the files that exist, and every one of them.
const markdown = readFileSync(join(ROOT, "docs/architecture.md"), "utf8");
const section = markdown.slice(markdown.indexOf("## Where things are"));
const layout = section.slice(section.indexOf("```\n") + 4, section.indexOf("\n```", section.indexOf("```\n") + 4));

/** The layout block's lines by top folder: `src/node/` → every file name its lines mention. */
function namesByFolder(): Map<string, string[]> {
  const byFolder = new Map<string, string[]>();
  let folder = "";
  for (const line of layout.split("\n")) {
    const head = line.match(/^(\S+\/)\s/);
    if (head) folder = head[1]!;
    const names = [...line.matchAll(/[\w.-]+\.tsx?\b/g)].map((m) => m[0]);
    byFolder.set(folder, [...(byFolder.get(folder) ?? []), ...names]);
  }
  return byFolder;
}

const files = (folder: string) =>
  readdirSync(join(ROOT, folder)).filter((name) => /\.tsx?$/.test(name) && !name.endsWith(".d.ts"));

/** The twin table's rows: [job, Node cell, Workers cell]. */
const twinRows = section
  .split("\n")
  .filter((line) => line.startsWith("| ") && !line.startsWith("| job") && line.includes("`"))
  .map((line) => line.split("|").slice(1, -1));

describe("docs/architecture.md, where things are", () => {
  it("names only files that exist, each under its folder", () => {
    const missing: string[] = [];
    for (const [folder, names] of namesByFolder()) {
      if (!folder.startsWith("src/")) continue;
      for (const name of names) {
        const found = [folder, ...["routes", "middleware", "views"].map((sub) => `${folder}${sub}/`)].some((dir) =>
          existsSync(join(ROOT, dir, name)),
        );
        if (!found) missing.push(`${folder}${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("names every shared source file (the twins in their table)", () => {
    const named = namesByFolder();
    const unnamed: string[] = [];
    for (const folder of ["src/domain/", "src/core/", "src/postgres/", "src/redis/", "src/altcha/"]) {
      for (const name of files(folder)) if (!named.get(folder)?.includes(name)) unnamed.push(folder + name);
    }
    expect(unnamed).toEqual([]);
  });

  it("names every runtime file, either in the layout or in the twin table", () => {
    const named = namesByFolder();
    const inTable = (column: 1 | 2) =>
      twinRows.flatMap((row) => [...row[column]!.matchAll(/`([\w.-]+\.ts)`/g)].map((m) => m[1]!));
    const unnamed: string[] = [];
    for (const [folder, column] of [
      ["src/node/", 1],
      ["src/cloudflare/", 2],
    ] as const) {
      for (const name of files(folder))
        if (!named.get(folder)?.includes(name) && !inTable(column).includes(name)) unnamed.push(folder + name);
    }
    expect(unnamed).toEqual([]);
  });

  it("lists every pair of twins (a file name in both src/node and src/cloudflare) in one row, by that name", () => {
    const node = new Set(files("src/node"));
    const twins = files("src/cloudflare").filter((name) => node.has(name));
    expect(twins.length).toBeGreaterThan(5);
    const paired = twinRows
      .map((row) => [row[1]!.match(/`([\w.-]+\.ts)`/)?.[1], row[2]!.match(/`([\w.-]+\.ts)`/)?.[1]])
      .filter(([n, w]) => n !== undefined && n === w)
      .map(([n]) => n);
    expect(paired.sort()).toEqual(twins.sort());
  });
});
