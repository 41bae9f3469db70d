import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { VOTER_COOKIE } from "../../src/http/middleware/voter-cookie.ts";
import { waitFor } from "../helpers/wait.ts";
import { buildImage, ensureBaseImage, freePort, PODMAN_ENV, podman, podmanProblem, ROOT, until } from "./podman.ts";

/**
 * compose.yaml run for real with podman-compose: the app's image built from
 * our Dockerfile, and stand-ins for the redis and postgres images it names
 * (test/container/base-image.sh builds them from Debian, as it builds the
 * Node base, since no registry can be reached here). The whole stack comes
 * up on a network of its own; a voter who changes their mind on the
 * published port is counted once, for their last choice; every healthcheck
 * passes.
 * test/k8s/compose.test.ts checks the file's settings without podman.
 */
type Service = { image?: string; build?: string; command?: string[]; healthcheck?: { test: string[] } };
const compose = parse(readFileSync(join(ROOT, "compose.yaml"), "utf8"), { merge: true }) as {
  services: Record<string, Service>;
};
const COMPOSE = "podman-compose";
/** How long an app process runs before it has surely checked the schema (and exited, had it found none). */
const SETTLE_MS = 3_000;

/** The one-off service: it runs the migrations and exits. */
const isOneOff = (service: Service) => service.command?.some((part) => part.endsWith("migrate.js")) ?? false;

function composeProblem(): string | undefined {
  const podmanMissing = podmanProblem();
  if (podmanMissing) return podmanMissing;
  try {
    execFileSync(COMPOSE, ["version"], { env: PODMAN_ENV, stdio: "ignore" });
    return undefined;
  } catch {
    return "podman-compose is not installed (apt-get install podman-compose; .ci/run does it)";
  }
}
const problem = composeProblem();
if (problem) console.warn(`[compose] skipped: ${problem}`);

const project = `vote-compose-${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;

describe.skipIf(problem)("compose.yaml under podman-compose, on stand-in images", () => {
  let port = 0;
  const run = (args: string[]) =>
    execFileSync(COMPOSE, ["-p", project, ...args], {
      cwd: ROOT,
      env: { ...PODMAN_ENV, VOTE_PORT: String(port) },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 300_000,
    });

  beforeAll(async () => {
    ensureBaseImage();
    // The services' own images: stand-ins under their exact names; ours built from the Dockerfile.
    for (const service of Object.values(compose.services)) {
      if (!service.build) ensureBaseImage(service.image!);
    }
    const app = Object.values(compose.services).find((service) => service.build)!.image!;
    await buildImage(app.includes("/") ? app : `localhost/${app}`);
    port = await freePort();
    run(["up", "-d"]);
    await settled();
  });

  afterAll(async () => {
    if (problem) return;
    run(["down", "-v"]);
    // podman-compose 1.0 leaves the project's network behind.
    await podman(["network", "rm", "--force", `${project}_default`]).catch(() => "");
  });

  /** The project's one container for a service, found by the labels podman-compose gives it. */
  async function containerOf(name: string): Promise<string> {
    const ids = await podman([
      "ps",
      "--all",
      "--quiet",
      "--filter",
      `label=io.podman.compose.project=${project}`,
      "--filter",
      `label=com.docker.compose.service=${name}`,
    ]);
    const [id, ...more] = ids.trim().split("\n");
    if (!id || more.length > 0) throw new Error(`expected one container for ${name}, found: ${ids.trim() || "none"}`);
    return id;
  }

  async function stateOf(container: string) {
    const format =
      "{{.State.Status}} {{.State.ExitCode}} {{.State.StartedAt.UnixMilli}} {{.State.FinishedAt.UnixMilli}}";
    const [status, exitCode, startedAt, finishedAt] = (await podman(["inspect", "--format", format, container]))
      .trim()
      .split(" ");
    return { status, exitCode: Number(exitCode), startedAt: Number(startedAt), finishedAt: Number(finishedAt) };
  }

  /**
   * podman-compose 1.0 starts the app's services without waiting for the
   * migrations (compose.yaml says why that is fine): until they are done, each
   * finds no schema, exits and is started again, and may answer a request or
   * two in between. The stack has settled once the migrations exited 0, every
   * other app process has run SETTLE_MS since then, and the web is ready.
   */
  async function settled(): Promise<void> {
    const app = Object.entries(compose.services).filter(([, service]) => service.build);
    const [oneOff] = app.find(([, service]) => isOneOff(service))!;
    const migrate = await until(() => containerOf(oneOff), `the ${oneOff} container`, 60_000);
    const migrated = await until(
      async () => {
        const state = await stateOf(migrate);
        return state.status === "exited" && state.exitCode === 0 && state.finishedAt;
      },
      "the migrations to finish",
      180_000,
    );
    const others = app.filter(([, service]) => !isOneOff(service)).map(([name]) => name);
    await until(
      async () => {
        for (const name of others) {
          const state = await stateOf(await containerOf(name));
          if (state.status !== "running" || Date.now() - Math.max(state.startedAt, migrated) < SETTLE_MS) return false;
        }
        return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
      },
      `${others.join(", ")} running since the migrations, the web ready`,
      120_000,
    );
  }

  it("serves the vote page on the published port and counts a voter who changes their mind once, for their last choice", async () => {
    const base = `http://127.0.0.1:${port}`;
    const page = await fetch(`${base}/vote`);
    expect(page.status).toBe(200);
    const cookie = voterCookieIn(page);
    expect(cookie, "the vote page's voter cookie").toBeDefined();
    for (const choice of ["a", "b"]) {
      const voted = await fetch(`${base}/vote`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie! },
        body: `vote=${choice}`,
      });
      expect(voted.status).toBe(200);
      // The cookie is taken as the same voter: a new one would have been issued with the ballot.
      expect(voterCookieIn(voted), `a new voter cookie with vote=${choice}`).toBeUndefined();
    }
    // The two ballots may reach PostgreSQL in separate batches: wait for the last one.
    let seen = "";
    const results = await waitFor(
      async () => {
        const body = (await (await fetch(`${base}/api/results`)).json()) as {
          participants: number;
          options: { id: string; votes: number }[];
        };
        seen = JSON.stringify(body);
        return body.options.some((option) => option.id === "b" && option.votes === 1) && body;
      },
      () => `the second ballot in the results; last seen ${seen}`,
    );
    expect(results.participants).toBe(1);
    expect(results.options.map((option) => [option.id, option.votes])).toEqual([
      ["a", 0],
      ["b", 1],
    ]);
  });

  it("passes every healthcheck compose.yaml defines", async () => {
    const checked = Object.entries(compose.services)
      .filter(([, service]) => service.healthcheck)
      .map(([name]) => name);
    expect(checked.length, "services with a healthcheck").toBeGreaterThan(0);
    for (const name of checked) {
      const container = await containerOf(name);
      // podman runs healthchecks on a timer only under systemd: here each is run by hand until it passes
      // (exit 0; a failing one prints "unhealthy" or "starting" and exits 1).
      let last = "";
      await waitFor(
        () =>
          podman(["healthcheck", "run", container]).then(
            () => true,
            (error: Error) => {
              last = error.message;
              return false;
            },
          ),
        () => `${name}'s healthcheck to pass; last: ${last.trim()}`,
        60_000,
        1_000,
      );
      expect((await podman(["inspect", "--format", "{{.State.Health.Status}}", container])).trim(), name).toBe(
        "healthy",
      );
    }
  });

  it("ran every service, and the migrations finished", async () => {
    const states = await podman([
      "ps",
      "--all",
      "--filter",
      `label=io.podman.compose.project=${project}`,
      "--format",
      "{{.Labels}}|{{.Status}}",
    ]);
    const byService = new Map(
      states
        .trim()
        .split("\n")
        .map((line) => [line.match(/com\.docker\.compose\.service:(\w+)/)?.[1], line] as const),
    );
    expect([...byService.keys()].sort()).toEqual(Object.keys(compose.services).sort());
    // The one-off service runs the migrations and exits; every other one keeps running.
    for (const [name, service] of Object.entries(compose.services)) {
      expect(byService.get(name), name).toMatch(isOneOff(service) ? /\|Exited \(0\)/ : /\|Up /);
    }
  });
});

/** The voter cookie a response sets, as a Cookie header sends it back (name=value); undefined when it sets none. */
function voterCookieIn(response: Response): string | undefined {
  return response.headers
    .getSetCookie()
    .find((line) => line.startsWith(`${VOTER_COOKIE}=`))
    ?.split(";")[0];
}
