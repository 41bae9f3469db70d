import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseNodeConfig } from "../../src/node/config.ts";
import { ROOT } from "../helpers/root.ts";

/**
 * compose.yaml, read as compose reads it (YAML merge keys resolved), checked
 * without podman: every app service runs an entry the image has, with
 * settings the config schema accepts, after the migrations, and the vote page
 * is published. test/container/compose.test.ts runs the file for real with
 * podman-compose, where podman is; what that run can't show is checked only
 * here: podman-compose 1.0 reads depends_on for the order alone and ignores
 * its conditions, which Docker Compose waits on.
 */
const compose = parse(readFileSync(join(ROOT, "compose.yaml"), "utf8"), { merge: true }) as {
  services: Record<
    string,
    {
      build?: string;
      command?: string[];
      environment?: Record<string, string>;
      ports?: string[];
      depends_on?: Record<string, { condition: string }>;
    }
  >;
};
const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
const apps = Object.entries(compose.services).filter(([, service]) => service.build === ".");

describe("compose.yaml", () => {
  it("runs the stack of the original app: redis, postgres, the migrations, web and consumer", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["consumer", "migrate", "postgres", "redis", "web"]);
    expect(apps.map(([name]) => name).sort()).toEqual(["consumer", "migrate", "web"]);
  });

  it.each(apps)("runs %s as an entry the image holds, with settings the config schema accepts", (_, service) => {
    const [node, entry] = service.command ?? [];
    expect(node).toBe("node");
    expect(entry).toMatch(/^dist\/node\/(web|consumer|migrate)\.js$/);
    // The image compiles src/node/<entry>.ts into dist/ and copies dist/ whole.
    expect(readFileSync(join(ROOT, entry!.replace(/^dist\//, "src/").replace(/\.js$/, ".ts")), "utf8")).not.toBe("");
    expect(dockerfile).toMatch(/COPY --from=build \/app\/dist \.\/dist/);
    expect(() => parseNodeConfig({ NODE_ENV: "production", ...service.environment })).not.toThrow();
  });

  it("starts web and consumer only once the migrations are done and Redis answers", () => {
    for (const name of ["web", "consumer"]) {
      expect(compose.services[name]?.depends_on).toEqual({
        redis: { condition: "service_healthy" },
        migrate: { condition: "service_completed_successfully" },
      });
    }
    expect(compose.services.migrate?.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
  });

  it("publishes the vote page on the web process's port, on the host's 8080 unless VOTE_PORT says otherwise", () => {
    const web = compose.services.web!;
    expect(web.ports).toEqual([`\${VOTE_PORT:-8080}:${web.environment?.PORT}`]);
  });

  it("starts the app's containers again when they fail (tools that ignore depends_on's conditions race PostgreSQL)", () => {
    for (const [name, service] of apps) expect((service as { restart?: string }).restart, name).toBe("on-failure");
  });
});
