import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envOf, readDockerfile, shellOf } from "./dockerfile.ts";
import { ROOT } from "./render.ts";

// No Docker daemon here: the image can't be built, so its recipe is checked as text.
const { stages } = readDockerfile();
const final = stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; engines: { node: string } };

describe("the Dockerfile", () => {
  it("builds in stages from one pinned Node 24 slim image", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.from).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim$/);
    expect(new Set(stages.map((stage) => stage.from)).size).toBe(1);
  });

  it("ships production dependencies only, optional ones (dbmate's binary) included", () => {
    const installs = stages.flatMap((stage) => stage.instructions.filter((i) => i.op === "RUN" && /npm (ci|install)/.test(i.args)));
    const production = installs.filter((i) => i.args.includes("--omit=dev"));
    expect(production).toHaveLength(1);
    expect(shellOf(production[0]!.args)).not.toMatch(/--omit=optional|--no-optional/);
    const copiedModules = final.instructions.find((i) => i.op === "COPY" && i.args.endsWith("./node_modules"))!;
    const from = copiedModules.args.match(/--from=(\S+)/)![1];
    const source = stages.find((stage) => stage.name === from)!;
    expect(source.instructions.some((i) => i === production[0])).toBe(true);
    expect(final.instructions.some((i) => i.op === "RUN")).toBe(false);
  });

  it("copies everything the processes read at run time, and no sources", () => {
    const copies = final.instructions.filter((i) => i.op === "COPY").map((i) => i.args.replace(/--\S+\s+/g, ""));
    for (const path of ["./dist", "./node_modules", "./public", "./migrations"]) {
      expect(copies.some((c) => c.endsWith(path)), path).toBe(true);
    }
    expect(copies.some((c) => c.includes("package.json"))).toBe(true);
    expect(copies.some((c) => /(^|\s)src(\s|$)/.test(c))).toBe(false);
  });

  it("runs as a fixed non-root uid and gid", () => {
    const users = final.instructions.filter((i) => i.op === "USER");
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.args.split(":").map(Number);
    expect(uid).toBeGreaterThanOrEqual(10000);
    expect(gid).toBeGreaterThanOrEqual(10000);
  });

  it("starts the web process with the npm script, and every script it offers exists", () => {
    const cmd = final.instructions.find((i) => i.op === "CMD")!;
    expect(JSON.parse(cmd.args)).toEqual(["npm", "run", "start:web"]);
    for (const script of ["start:web", "start:consumer", "migrate"]) expect(pkg.scripts[script], script).toMatch(/^node (--[\w-]+=\S+ )*dist\//);
    expect(final.instructions.find((i) => i.op === "STOPSIGNAL")?.args).toBe("SIGTERM");
  });

  it("lets npm work on a read-only root filesystem and pass SIGTERM on to node", () => {
    const env = envOf(final);
    expect(env.NODE_ENV).toBe("production");
    expect(env.npm_config_cache).toMatch(/^\/tmp\//);
    expect(env.npm_config_script_shell).toBe("/bin/bash");
    expect(env.npm_config_update_notifier).toBe("false");
  });

  it("sends the build only what it needs (.dockerignore allow-list)", () => {
    const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
    expect(ignore[0]).toBe("*");
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
    expect(allowed.sort()).toEqual(["migrations", "package-lock.json", "package.json", "public", "src", "tsconfig.build.json", "tsconfig.json"]);
    const copied = stages.flatMap((s) => s.instructions.filter((i) => i.op === "COPY" && !i.args.includes("--from")));
    for (const copy of copied) {
      for (const source of copy.args.split(/\s+/).slice(0, -1)) expect(allowed, source).toContain(source.replace(/\/$/, ""));
    }
  });
});
