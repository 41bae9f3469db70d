import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { parseAllDocuments } from "yaml";

export { freePort } from "../helpers/ports.ts";

/**
 * podman for the container tests and the benchmark: the real Dockerfile built
 * and its containers run on this machine, no Docker daemon needed. Shared by
 * test/container/image.test.ts, test/container/compose.test.ts and
 * bench/container.ts.
 */

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HERE = fileURLToPath(new URL(".", import.meta.url));

/**
 * podman's own settings (runc, cgroupfs), given through CONTAINERS_CONF so nothing under /etc changes;
 * as an absolute path, since podman build reads it again from another directory.
 */
export const PODMAN_ENV = {
  ...process.env,
  CONTAINERS_CONF: resolve(process.env.CONTAINERS_CONF ?? `${HERE}containers.conf`),
};

/** The image name the test and the benchmark build (never pushed anywhere). */
export const TEST_IMAGE = "localhost/edge-voting-app:test";

/** How the manifests run the app's containers, as podman flags (the security context of k8s/base). */
export function lockedDown(user: string): string[] {
  return [
    "--read-only",
    "--tmpfs=/tmp:rw,nosuid,nodev,size=64m",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--network=host",
    `--user=${user}`,
  ];
}

export type ManifestContainer = {
  name: string;
  command: string[];
  resources: { requests: { memory: string }; limits: { memory: string } };
};

/** The app's containers in the base manifests, by name: web, consumer, and the migrate init container. */
export function manifestContainers(): Map<string, ManifestContainer> {
  const found = new Map<string, ManifestContainer>();
  for (const document of parseAllDocuments(readFileSync(`${ROOT}k8s/base/deployment.yaml`, "utf8"))) {
    const spec = document.toJS()?.spec?.template?.spec;
    for (const container of [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])] as ManifestContainer[]) {
      if (!found.has(container.name)) found.set(container.name, container);
    }
  }
  return found;
}

/** A container's memory limit from the manifests (such as 128Mi) as podman's --memory flag. */
export function memoryLimitFlag(container: ManifestContainer): string {
  const match = container.resources.limits.memory.match(/^(\d+)(Mi|Gi)$/);
  if (!match) throw new Error(`unexpected memory limit ${container.resources.limits.memory} on ${container.name}`);
  return `--memory=${match[1]}${match[2] === "Mi" ? "m" : "g"}`;
}

const run = promisify(execFile);

/** Runs podman and returns its stdout; throws with stderr on failure. */
export async function podman(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run("podman", args, {
      env: PODMAN_ENV,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`podman ${args.join(" ")} failed:\n${stderr || stdout || (error as Error).message}`);
  }
}

/** Why podman can't build and run containers here, or undefined when it can. */
export function podmanProblem(): string | undefined {
  const version = spawnSync("podman", ["--version"], { env: PODMAN_ENV, encoding: "utf8" });
  if (version.error) return "podman is not installed (apt-get install podman runc debootstrap; .ci/run does it)";
  const info = spawnSync("podman", ["info", "--format", "{{.Host.OCIRuntime.Name}}"], {
    env: PODMAN_ENV,
    encoding: "utf8",
    timeout: 60_000,
  });
  if (info.status !== 0) return `podman can't run here: ${(info.stderr || info.stdout).trim().split("\n").at(-1)}`;
  return undefined;
}

/**
 * An image the tests run, made available to podman by base-image.sh: the
 * Dockerfile's base image (its one build argument, NODE_IMAGE) unless another
 * is named, such as the redis and postgres images compose.yaml runs.
 */
export function ensureBaseImage(image = dockerfileBaseImage()): { image: string; seconds: number } {
  const started = performance.now();
  execFileSync("bash", [`${HERE}base-image.sh`, image], {
    env: PODMAN_ENV,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 15 * 60_000,
  });
  return { image, seconds: (performance.now() - started) / 1000 };
}

function dockerfileBaseImage(): string {
  const image = readFileSync(`${ROOT}Dockerfile`, "utf8").match(/^ARG NODE_IMAGE=(\S+)$/m)?.[1];
  if (!image) throw new Error("the Dockerfile names no base image in ARG NODE_IMAGE");
  return image;
}

/** Builds the repository's Dockerfile as `tag` (only from local images) and drops the image it replaces. */
export async function buildImage(tag = TEST_IMAGE): Promise<{ seconds: number; id: string }> {
  const previous = (await podman(["image", "inspect", "--format", "{{.Id}}", tag]).catch(() => "")).trim();
  const started = performance.now();
  await podman(["build", "--quiet", "--pull=never", "--network=host", "--tag", tag, ROOT], { timeoutMs: 15 * 60_000 });
  const seconds = (performance.now() - started) / 1000;
  const id = (await podman(["image", "inspect", "--format", "{{.Id}}", tag])).trim();
  if (previous && previous !== id) await podman(["rmi", previous]).catch(() => {});
  return { seconds, id };
}

export interface ImageConfig {
  User: string;
  Cmd: string[];
  Entrypoint: string[] | null;
  Env: string[];
  WorkingDir: string;
  StopSignal?: string;
}

export async function imageConfig(tag = TEST_IMAGE): Promise<ImageConfig> {
  const [image] = JSON.parse(await podman(["image", "inspect", tag])) as { Config: ImageConfig }[];
  return image!.Config;
}

/** Host paths of a container's cgroup, for its memory figures (cgroup v1 or v2). */
async function cgroupOf(name: string): Promise<{ memory: string; v2: boolean }> {
  const path = (await podman(["inspect", "--format", "{{.State.CgroupPath}}", name])).trim();
  if (existsSync(`/sys/fs/cgroup/memory${path}`)) return { memory: `/sys/fs/cgroup/memory${path}`, v2: false };
  return { memory: `/sys/fs/cgroup${path}`, v2: true };
}

export interface MemoryFigures {
  /** What the kubelet calls the working set: cgroup usage minus inactive page cache (podman stats shows the usage). */
  cgroupMiB: number;
  /** The resident set of every process in the container, added up (node's alone when node is PID 1). */
  rssMiB: number;
  /** Of that, anonymous memory (heaps); the rest is mapped files, chiefly the node binary's pages. */
  anonMiB: number;
  processes: number;
}

const mib = (bytes: number) => Math.round((bytes / 1048576) * 10) / 10;

export async function memoryOf(name: string): Promise<MemoryFigures> {
  const cgroup = await cgroupOf(name);
  const stat = Object.fromEntries(
    readFileSync(`${cgroup.memory}/memory.stat`, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(" ") as [string, string]),
  );
  const usage = Number(
    readFileSync(`${cgroup.memory}/${cgroup.v2 ? "memory.current" : "memory.usage_in_bytes"}`, "utf8"),
  );
  const inactiveFile = Number(cgroup.v2 ? stat.inactive_file : stat.total_inactive_file);
  const pids = readFileSync(`${cgroup.memory}/cgroup.procs`, "utf8").trim().split("\n").filter(Boolean);
  let rss = 0;
  let anon = 0;
  for (const pid of pids) {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    rss += Number(status.match(/^VmRSS:\s+(\d+)/m)?.[1] ?? 0) * 1024;
    anon += Number(status.match(/^RssAnon:\s+(\d+)/m)?.[1] ?? 0) * 1024;
  }
  return { cgroupMiB: mib(usage - inactiveFile), rssMiB: mib(rss), anonMiB: mib(anon), processes: pids.length };
}

/** `podman stop` (SIGTERM, then SIGKILL after `timeout` s), timed; with the exit code and podman's OOM flag. */
export async function stopTimed(
  name: string,
  timeout = 10,
): Promise<{ seconds: number; exitCode: number; oomKilled: boolean }> {
  const started = performance.now();
  await podman(["stop", "--time", String(timeout), name], { timeoutMs: (timeout + 30) * 1000 });
  const seconds = (performance.now() - started) / 1000;
  const [exitCode, oomKilled] = (
    await podman(["inspect", "--format", "{{.State.ExitCode}} {{.State.OOMKilled}}", name])
  )
    .trim()
    .split(" ");
  return { seconds, exitCode: Number(exitCode), oomKilled: oomKilled === "true" };
}

/** Removes containers, whatever state they are in. */
export async function removeContainers(names: string[]): Promise<void> {
  if (names.length > 0) await podman(["rm", "--force", "--ignore", "--time", "2", ...names]).catch(() => {});
}

export { until } from "../helpers/wait.ts";
