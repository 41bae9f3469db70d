import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments } from "yaml";
import type { KubeObject } from "./schema.ts";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const K8S = join(ROOT, "k8s");
export const OVERLAYS = readdirSync(join(K8S, "overlays")).filter((name) =>
  existsSync(join(K8S, "overlays", name, "kustomization.yaml")),
);

/** Why kubectl can't render here, or undefined when it can. */
export const kubectlMissing: string | undefined = (() => {
  const probe = spawnSync("kubectl", ["version", "--client"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return "kubectl is not installed: the rendered manifests are not checked";
  return undefined;
})();
if (kubectlMissing) console.warn(`[k8s] skipping: ${kubectlMissing}`);

/**
 * A copy of k8s/ as a fresh clone would hold it: the files git tracks or
 * would track (new ones included), never a git-ignored one such as a local
 * secrets.env. Returns the directory that holds `k8s/`.
 */
export function checkout(): string {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z", "--", "k8s"], {
    cwd: ROOT,
    encoding: "utf8",
  });
  const dir = mkdtempSync(join(tmpdir(), "k8s-checkout-"));
  for (const file of listed.split("\0").filter(Boolean)) {
    // A tracked file deleted in the working tree is gone from the next commit too.
    if (!existsSync(join(ROOT, file))) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    cpSync(join(ROOT, file), join(dir, file));
  }
  return dir;
}

/** In a checkout, lets every `X.example` stand in for its missing, git-ignored `X` (production's secrets). */
export function fillFromExamples(dir: string): void {
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith(".example") && !existsSync(full.slice(0, -".example".length))) {
        cpSync(full, full.slice(0, -".example".length));
      }
    }
  };
  walk(join(dir, "k8s"));
}

export interface Rendering {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `kubectl kustomize` of `overlay` inside a checkout. */
export function kustomize(dir: string, overlay: string): Rendering {
  const result = spawnSync("kubectl", ["kustomize", join(dir, "k8s", "overlays", overlay)], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function parseObjects(text: string, where: string): KubeObject[] {
  const objects = parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${where}: ${doc.errors[0]!.message}`);
    return doc.toJS() as KubeObject;
  });
  return objects.filter(Boolean);
}

/** Renders `overlay` in a checkout with examples standing in for secrets, after `change` edits the checkout. */
export function renderChanged(overlay: string, change: (dir: string) => void): Rendering {
  const dir = checkout();
  try {
    fillFromExamples(dir);
    change(dir);
    return kustomize(dir, overlay);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `kubectl kustomize` of each overlay, parsed; rendered once per test file,
 * from a checkout in which each `.example` stands in for the git-ignored file
 * beside it, so overlays render exactly as they would with real secrets and
 * the working tree is never touched.
 */
export function renderOverlays(): Map<string, KubeObject[]> {
  const dir = checkout();
  try {
    fillFromExamples(dir);
    return new Map(
      OVERLAYS.map((overlay) => {
        const rendering = kustomize(dir, overlay);
        if (rendering.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed:\n${rendering.stderr}`);
        return [overlay, parseObjects(rendering.stdout, overlay)];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function id(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
}

/** k8s/README.md, the guide whose commands the tests hold to the manifests. */
export const README = join(K8S, "README.md");

/** The text of the README's `## heading` section (up to the next `## `), or "" when there is none. */
export function readmeSection(text: string, heading: string): string {
  const start = text.indexOf(`\n## ${heading}\n`);
  if (start < 0) return "";
  const end = text.indexOf("\n## ", start + heading.length + 4);
  return text.slice(start, end < 0 ? undefined : end);
}

/** The shell commands in a piece of Markdown: lines of its ```sh blocks, continuation lines joined. */
export function shellCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, " ")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#")),
  );
}
