import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/root.ts";

type Entry = {
  version?: string;
  optional?: boolean;
  os?: string[];
  cpu?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, Entry>;
};

/** Where Node (and npm) finds `name` from the package at `from`: its own node_modules, then each parent's. */
function resolve(from: string, name: string): string | undefined {
  for (let dir = from; ; dir = dir.includes("/node_modules/") ? dir.slice(0, dir.lastIndexOf("/node_modules/")) : "") {
    const path = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
    if (lock.packages[path]) return path;
    if (dir === "") return undefined;
  }
}

/**
 * `npm ci` installs exactly the lock, on any platform, and refuses a lock
 * that lacks a package some locked package asks for, even an optional one for
 * another platform (dbmate's binaries come one package per platform).
 */
describe("package-lock.json", () => {
  it("locks every package that a locked package asks for, whatever the platform", () => {
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const wanted = {
        ...entry.dependencies,
        ...entry.optionalDependencies,
        ...(path === "" ? entry.devDependencies : {}),
        ...Object.fromEntries(
          Object.entries(entry.peerDependencies ?? {}).filter(
            ([name]) => !entry.peerDependenciesMeta?.[name]?.optional,
          ),
        ),
      };
      for (const name of Object.keys(wanted)) if (!resolve(path, name)) missing.push(`${path || "(root)"} → ${name}`);
    }
    expect(missing).toEqual([]);
  });

  it("locks each platform's dbmate binary at dbmate's own version, for its platform", () => {
    const dbmate = lock.packages["node_modules/dbmate"]!;
    const binaries = Object.entries(dbmate.optionalDependencies ?? {});
    expect(binaries.length).toBeGreaterThan(1);
    for (const [name, version] of binaries) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry?.version, name).toBe(version);
      expect(entry?.optional, name).toBe(true);
      const [os, cpu] = name.replace("@dbmate/", "").split("-");
      expect([entry?.os, entry?.cpu], name).toEqual([[os], [cpu]]);
    }
  });

  describe("as npm reads it", () => {
    const dir = mkdtempSync(join(tmpdir(), "lock-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("is in sync with package.json: `npm ci --dry-run` accepts it", () => {
      for (const file of ["package.json", "package-lock.json"]) copyFileSync(join(ROOT, file), join(dir, file));
      const ran = spawnSync("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: dir,
        encoding: "utf8",
        timeout: 50_000,
      });
      expect(ran.stderr.match(/^npm error .*$/gm) ?? [], ran.stderr).toEqual([]);
      expect(ran.status).toBe(0);
    });
  });
});
