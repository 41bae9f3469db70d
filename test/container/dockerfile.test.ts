import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { envOf, flagsOf, readDockerfile } from "./dockerfile.ts";
import { manifestContainers, ROOT } from "./podman.ts";

// The Dockerfile read as text: what must hold whichever builder builds it
// (image.test.ts builds and runs it with podman where podman can run).
const { directives, args, stages, text } = readDockerfile();
const final = stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
const ENTRIES = { "start:web": "web", "start:consumer": "consumer", migrate: "migrate" } as const;

describe("the Dockerfile", () => {
  it("builds every stage from one base image, named by its one build argument (a pinned Node 24 slim image)", () => {
    expect(Object.keys(args)).toEqual(["NODE_IMAGE"]);
    expect(args.NODE_IMAGE).toMatch(/^node:24\.\d+\.\d+-[a-z]+-slim$/);
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage.fromAsWritten).toMatch(/^\$\{NODE_IMAGE\}$/);
  });

  it("uses no BuildKit-only syntax, so the classic builder (minikube image build) builds it too", () => {
    expect(directives, "parser directives such as # syntax=").toEqual([]);
    expect(text, "heredocs").not.toMatch(/<<-?\s*["']?\w+["']?\s*$/m);
    const classic: Record<string, RegExp> = { COPY: /^--(from|chown)=/, ADD: /^--chown=/, FROM: /^--platform=/ };
    for (const { op, args: line } of stages.flatMap((stage) => stage.instructions)) {
      for (const flag of flagsOf(line).flags) expect(classic[op]?.test(flag) ? "" : `${op} ${flag}`, "flag").toBe("");
    }
  });

  it("ships production dependencies only, optional ones (dbmate's binary) included", () => {
    const installs = stages.flatMap((stage) =>
      stage.instructions.filter((i) => i.op === "RUN" && /npm (ci|install)/.test(i.args)),
    );
    const production = installs.filter((i) => i.args.includes("--omit=dev"));
    expect(production).toHaveLength(1);
    expect(production[0]!.args).not.toMatch(/--omit=optional|--no-optional/);
    const copiedModules = final.instructions.find((i) => i.op === "COPY" && i.args.endsWith("./node_modules"))!;
    const from = copiedModules.args.match(/--from=(\S+)/)![1];
    const source = stages.find((stage) => stage.name === from)!;
    expect(source.instructions).toContain(production[0]);
    expect(final.instructions.some((i) => i.op === "RUN")).toBe(false);
  });

  it("copies everything the processes read at run time, and no sources", () => {
    const copies = final.instructions.filter((i) => i.op === "COPY").map((i) => flagsOf(i.args).rest);
    for (const path of ["./dist", "./node_modules", "./public", "./migrations"]) {
      expect(
        copies.some((c) => c.endsWith(path)),
        path,
      ).toBe(true);
    }
    expect(
      copies.some((c) => c.includes("package.json")),
      "package.json: the compiled files are ES modules",
    ).toBe(true);
    expect(copies.some((c) => /(^|\s)src(\s|$)/.test(c))).toBe(false);
  });

  it("copies what `npm run build` reads into the build stage: every tsconfig it extends, and the sources", () => {
    const build = stages.find((stage) => stage.instructions.some((i) => i.op === "RUN" && i.args === "npm run build"))!;
    const copied = build.instructions
      .filter((i) => i.op === "COPY" && !i.args.includes("--from"))
      .flatMap((i) => flagsOf(i.args).rest.split(/\s+/).slice(0, -1));
    let config = "tsconfig.build.json";
    for (;;) {
      expect(copied, config).toContain(config);
      const { extends: parent, include = [] } = JSON.parse(readFileSync(join(ROOT, config), "utf8")) as {
        extends?: string;
        include?: string[];
      };
      if (config === "tsconfig.build.json")
        for (const path of include) expect(path, "compiled from src/").toMatch(/^src(\/|$)/);
      if (!parent) break;
      config = parent.replace(/^\.\//, "");
    }
    expect(copied).toContain("src");
  });

  it("runs as a fixed non-root uid and gid", () => {
    const users = final.instructions.filter((i) => i.op === "USER");
    expect(users).toHaveLength(1);
    const [uid, gid] = users[0]!.args.split(":").map(Number);
    expect(uid).toBeGreaterThanOrEqual(10000);
    expect(gid).toBeGreaterThanOrEqual(10000);
  });

  it("starts node itself, on the same entry points as the npm scripts and the manifests", () => {
    const cmd = final.instructions.find((i) => i.op === "CMD")!;
    expect(JSON.parse(cmd.args)).toEqual(["node", "dist/node/web.js"]);
    expect(final.instructions.some((i) => i.op === "ENTRYPOINT")).toBe(false);
    expect(final.instructions.find((i) => i.op === "STOPSIGNAL")?.args).toBe("SIGTERM");
    for (const [script, entry] of Object.entries(ENTRIES))
      expect(pkg.scripts[script], script).toBe(`node dist/node/${entry}.js`);
    const manifests = manifestContainers();
    for (const name of ["web", "consumer", "migrate"]) {
      expect(manifests.get(name)?.command, name).toEqual(["node", `dist/node/${name}.js`]);
    }
  });

  it("keeps the node flags in one place, NODE_OPTIONS, and node accepts them", () => {
    const env = envOf(final);
    expect(env.NODE_ENV).toBe("production");
    const flags = env.NODE_OPTIONS!;
    expect(flags).toMatch(/^--\S+(\s--\S+)*$/);
    const check = spawnSync(process.execPath, ["-e", "0"], {
      env: { ...process.env, NODE_OPTIONS: flags },
      encoding: "utf8",
    });
    expect(check.stderr).toBe("");
    expect(check.status).toBe(0);
  });

  it("preloads jemalloc from a stage that installs it, and the final stage installs nothing", () => {
    const env = envOf(final);
    expect(env.LD_PRELOAD).toBe("/usr/local/lib/libjemalloc.so.2");
    expect(env.MALLOC_CONF).toMatch(/^narenas:\d+,/);
    const copy = final.instructions.find((i) => i.op === "COPY" && i.args.endsWith(env.LD_PRELOAD!))!;
    const from = copy.args.match(/--from=(\S+)/)![1];
    const allocator = stages.find((stage) => stage.name === from)!;
    expect(allocator.instructions.some((i) => i.op === "RUN" && i.args.includes("libjemalloc2"))).toBe(true);
  });

  it("sends the build only what it reads (.dockerignore allow-list)", () => {
    const ignore = readFileSync(join(ROOT, ".dockerignore"), "utf8")
      .split("\n")
      .filter((l) => l && !l.startsWith("#"));
    expect(ignore[0]).toBe("*");
    const allowed = ignore.filter((l) => l.startsWith("!")).map((l) => l.slice(1).replace(/\/$/, ""));
    const sources = stages
      .flatMap((s) => s.instructions.filter((i) => i.op === "COPY" && !i.args.includes("--from")))
      .flatMap((copy) => flagsOf(copy.args).rest.split(/\s+/).slice(0, -1))
      .map((source) => source.replace(/\/$/, ""));
    expect([...new Set(sources)].sort()).toEqual([...allowed].sort());
  });
});
