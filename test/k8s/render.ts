import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
 * A copy of k8s/ where every secrets.env.example also stands as secrets.env
 * (unless one exists), so overlays render on a clean clone exactly as they
 * would with real secrets, and the working tree is never touched.
 */
function copyWithExampleSecrets(): string {
  const dir = mkdtempSync(join(tmpdir(), "k8s-render-"));
  cpSync(K8S, join(dir, "k8s"), { recursive: true });
  const walk = (path: string): void => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry === "secrets.env.example" && !existsSync(join(path, "secrets.env"))) {
        cpSync(full, join(path, "secrets.env"));
      }
    }
  };
  walk(join(dir, "k8s"));
  return dir;
}

/** `kubectl kustomize` of each overlay, parsed; rendered once per test file. */
export function renderOverlays(): Map<string, KubeObject[]> {
  const dir = copyWithExampleSecrets();
  try {
    return new Map(
      OVERLAYS.map((overlay) => {
        const text = execFileSync("kubectl", ["kustomize", join(dir, "k8s", "overlays", overlay)], {
          encoding: "utf8",
          maxBuffer: 64 * 1024 * 1024,
        });
        const objects = parseAllDocuments(text).map((doc) => {
          if (doc.errors.length > 0) throw new Error(`${overlay}: ${doc.errors[0]!.message}`);
          return doc.toJS() as KubeObject;
        });
        return [overlay, objects.filter(Boolean)];
      }),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function id(object: KubeObject): string {
  return `${object.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ""}${object.metadata.name}`;
}
