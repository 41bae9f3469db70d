import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type Any, containersOf, overlayView, type PodTemplate } from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, ROOT, renderOverlays } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: configuration and secrets", (overlay) => {
  const { objects, pods, ofKind, find } = overlayView(rendered, overlay);

  it("defines every ConfigMap and Secret that something references", () => {
    const defined = new Set([
      ...objects()
        .filter((o) => o.kind === "ConfigMap" || o.kind === "Secret")
        .map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
      // cert-manager writes the Certificate's secret.
      ...ofKind("Certificate").map((c) => `Secret/${c.metadata.namespace}/${(c.spec as Any).secretName}`),
    ]);
    const referenced = new Set<string>();
    for (const pod of pods()) {
      const ns = pod.namespace;
      for (const { container } of containersOf(pod)) {
        for (const source of container.envFrom ?? []) {
          if (source.configMapRef) referenced.add(`ConfigMap/${ns}/${source.configMapRef.name}`);
          if (source.secretRef) referenced.add(`Secret/${ns}/${source.secretRef.name}`);
        }
        for (const variable of container.env ?? []) {
          const from = variable.valueFrom ?? {};
          if (from.configMapKeyRef) referenced.add(`ConfigMap/${ns}/${from.configMapKeyRef.name}`);
          if (from.secretKeyRef) referenced.add(`Secret/${ns}/${from.secretKeyRef.name}`);
        }
      }
      for (const volume of pod.spec.volumes ?? []) {
        if (volume.configMap) referenced.add(`ConfigMap/${ns}/${volume.configMap.name}`);
        if (volume.secret) referenced.add(`Secret/${ns}/${volume.secret.secretName}`);
      }
    }
    for (const ingress of ofKind("Ingress")) {
      for (const tls of (ingress.spec as Any).tls ?? [])
        referenced.add(`Secret/${ingress.metadata.namespace}/${tls.secretName}`);
    }
    expect(referenced.size).toBeGreaterThan(3);
    expect([...referenced].filter((ref) => !defined.has(ref))).toEqual([]);
  });

  it("defines every key of a Secret or ConfigMap that an env variable reads", () => {
    const data = (kind: string, ns: string, name: string) => {
      const object = find(kind, ns, name) as Any;
      return { ...object?.data, ...object?.stringData };
    };
    const missing = pods().flatMap((pod) =>
      containersOf(pod).flatMap(({ container }) =>
        (container.env ?? []).flatMap((variable: Any) => {
          const ref = variable.valueFrom?.secretKeyRef ?? variable.valueFrom?.configMapKeyRef;
          if (!ref) return [];
          const kind = variable.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
          return ref.key in data(kind, pod.namespace, ref.name)
            ? []
            : [`${id(pod.owner)}: ${kind} ${ref.name} has no ${ref.key}`];
        }),
      ),
    );
    expect(missing).toEqual([]);
  });
});

/** The env files each overlay's secretGenerator reads. */
function secretFiles(overlay: string): string[] {
  const kustomization = parseYaml(readFileSync(join(ROOT, "k8s/overlays", overlay, "kustomization.yaml"), "utf8"));
  return (kustomization.secretGenerator ?? []).flatMap((generator: Any) => generator.envs ?? []);
}

describe("secrets", () => {
  it("come, in minikube, from files in git whose every value says it is for development only", () => {
    const files = secretFiles("minikube");
    expect(files.length).toBeGreaterThanOrEqual(2);
    for (const file of files) {
      expect(file).toMatch(/^dev-only-/);
      const ignored = spawnSync("git", ["check-ignore", "-q", `k8s/overlays/minikube/${file}`], { cwd: ROOT });
      expect(ignored.status, `${file} is not git-ignored: a fresh clone has it`).toBe(1);
      const values = readFileSync(join(ROOT, "k8s/overlays/minikube", file), "utf8")
        .split("\n")
        .filter((line) => line && !line.startsWith("#"));
      for (const line of values) expect(line, file).toMatch(/=(dev-only-[A-Za-z0-9._~-]{8,}|admin)$/);
    }
  });

  it("come, everywhere else, from git-ignored files with an example beside each", () => {
    const tracked = execFileSync("git", ["ls-files", "k8s"], { cwd: ROOT, encoding: "utf8" }).split("\n");
    for (const overlay of OVERLAYS.filter((o) => o !== "minikube")) {
      const files = secretFiles(overlay);
      expect(files, overlay).toEqual(expect.arrayContaining(["db.env", "grafana-admin.env", "redis.env", "web.env"]));
      for (const file of files) {
        const path = `k8s/overlays/${overlay}/${file}`;
        expect(tracked, path).not.toContain(path);
        expect(execFileSync("git", ["check-ignore", path], { cwd: ROOT, encoding: "utf8" }).trim()).toBe(path);
        const example = readFileSync(join(ROOT, `${path}.example`), "utf8");
        expect(example, `${path}.example`).not.toMatch(/dev-only/);
        for (const line of example.split("\n").filter((l) => l && !l.startsWith("#"))) {
          // The passwords land in connection URLs unescaped; a URL is a URL.
          expect(line, `${path}.example`).toMatch(/^[\w-]+=([A-Za-z0-9._~-]+|https:\/\/\S+)$/);
        }
      }
      // Every key a pod reads from these Secrets is in an example (the rendered Secrets come from them here).
      const keys = files.flatMap(
        (file) =>
          readFileSync(join(ROOT, `k8s/overlays/${overlay}/${file}.example`), "utf8").match(/^\w+(?==.{16,}$)/gm) ?? [],
      );
      expect(keys).toEqual(
        expect.arrayContaining(["POSTGRES_PASSWORD", "DB_WEB_PASSWORD", "REDIS_PASSWORD", "COOKIE_SECRET"]),
      );
    }
  });

  it("never appear in a committed manifest", () => {
    const files = execFileSync("git", ["ls-files", "k8s"], { cwd: ROOT, encoding: "utf8" })
      .split("\n")
      .filter((f) => /\.ya?ml$/.test(f));
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), "utf8");
      expect(text, file).not.toMatch(/^kind: Secret$/m);
      expect(text, file).not.toMatch(/PASSWORD\s*[:=]\s*["']?[A-Za-z0-9]/);
    }
  });
});

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: rotating a secret", (overlay) => {
  const { pods, ofKind } = overlayView(rendered, overlay);
  const generators = () =>
    parseYaml(readFileSync(join(ROOT, "k8s/overlays", overlay, "kustomization.yaml"), "utf8")).secretGenerator as Any[];
  /** Secrets whose name stays when their values change (no hash suffix): pods that use them don't roll. */
  const stable = () =>
    new Set(
      generators()
        .filter((g) => g.options?.disableNameSuffixHash)
        .map((g) => g.name as string),
    );
  const secretsOf = (pod: PodTemplate) =>
    new Set<string>([
      ...containersOf(pod).flatMap(({ container }) =>
        (container.env ?? []).flatMap((v: Any) => v.valueFrom?.secretKeyRef?.name ?? []),
      ),
      ...(pod.spec.volumes ?? []).flatMap((v: Any) => v.secret?.secretName ?? []),
    ]);
  const keyHolders = (key: string) =>
    ofKind("Secret")
      .filter((secret: Any) => key in (secret.data ?? {}))
      .map((s) => s.metadata.name);

  it("never restarts PostgreSQL or Redis: their pods read only Secrets whose names don't change", () => {
    for (const pod of pods().filter((p) => p.owner.kind === "StatefulSet")) {
      const changing = [...secretsOf(pod)].filter((name) => !stable().has(name));
      expect(changing, id(pod.owner)).toEqual([]);
    }
  });

  it("rolls only the web pods when the cookie secret changes", () => {
    const holders = keyHolders("COOKIE_SECRET");
    expect(holders).toHaveLength(1);
    expect(stable().has(holders[0]!), "its name changes with it").toBe(false);
    const readers = pods().filter((pod) => secretsOf(pod).has(holders[0]!));
    expect(readers.map((pod) => pod.labels["app.kubernetes.io/component"])).toEqual(["web"]);
  });

  it("gives Redis' clients a copy of its password whose name changes with it, so they roll while Redis doesn't", () => {
    const holders = keyHolders("REDIS_PASSWORD");
    const server = holders.filter((name) => stable().has(name));
    const clients = holders.filter((name) => !stable().has(name));
    expect([server.length, clients.length]).toEqual([1, 1]);
    const value = (name: string) => (ofKind("Secret").find((s) => s.metadata.name === name) as Any).data.REDIS_PASSWORD;
    expect(value(clients[0]!)).toBe(value(server[0]!));
    for (const pod of pods().filter((p) => p.owner.kind !== "StatefulSet" && secretsOf(p).has(server[0]!))) {
      expect.fail(`${id(pod.owner)} reads Redis' server copy: it would keep the old password after a rotation`);
    }
  });
});
