import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify as stringifyYaml } from "yaml";
import { type Any, podTemplates, selects } from "./objects.ts";
import { checkout, id, K8S, kubectlMissing, kustomize, parseObjects, README, readmeSection } from "./render.ts";
import { type KubeObject, validateObject } from "./schema.ts";

/**
 * Every combination of components the README allows, each rendered on base
 * in an overlay of its own (minikube's development-only secrets): any subset
 * of the independent components, `monitoring` only with `gateway`, and
 * `tls-letsencrypt` only after `gateway`.
 */
const COMPONENTS = readdirSync(join(K8S, "components")).sort();

function allowed(list: string[]): boolean {
  if (list.includes("monitoring") && !list.includes("gateway")) return false;
  if (list.includes("tls-letsencrypt") && !list.includes("gateway")) return false;
  return true;
}

const subsets: string[][] = [[]];
for (const component of COMPONENTS) {
  for (const subset of subsets.slice()) subsets.push([...subset, component]);
}
const combinations = subsets
  .filter(allowed)
  // tls-letsencrypt patches gateway's issuer, so it goes last.
  .map((list) => [...list.filter((c) => c !== "tls-letsencrypt"), ...list.filter((c) => c === "tls-letsencrypt")]);

function renderCombination(components: string[]): { objects: KubeObject[]; stderr: string } {
  const dir = checkout();
  try {
    const overlay = join(dir, "k8s/overlays/combination");
    mkdirSync(overlay, { recursive: true });
    for (const file of readdirSync(join(dir, "k8s/overlays/minikube")).filter((f) => f.startsWith("dev-only-"))) {
      cpSync(join(dir, "k8s/overlays/minikube", file), join(overlay, file));
    }
    const minikube = readFileSync(join(dir, "k8s/overlays/minikube/kustomization.yaml"), "utf8");
    const generators = minikube.slice(minikube.indexOf("secretGenerator:"), minikube.indexOf("configMapGenerator:"));
    writeFileSync(
      join(overlay, "kustomization.yaml"),
      `${stringifyYaml({
        apiVersion: "kustomize.config.k8s.io/v1beta1",
        kind: "Kustomization",
        resources: ["../../base"],
        components: components.map((c) => `../../components/${c}`),
      })}${generators}`,
    );
    const rendering = kustomize(dir, "combination");
    if (rendering.status !== 0) return { objects: [], stderr: rendering.stderr };
    return { objects: parseObjects(rendering.stdout, components.join("+")), stderr: "" };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(kubectlMissing)("every combination of components the README allows", () => {
  it("is named in the README's rule, and there are many", () => {
    const install = readmeSection(readFileSync(README, "utf8"), "Install");
    for (const component of COMPONENTS) expect(install).toContain(`\`${component}\``);
    expect(combinations.length).toBeGreaterThanOrEqual(16);
  });

  it.each(combinations.map((list) => [list.join(" + ") || "(none)", list]))(
    "%s: renders, every object valid, every reference met",
    async (_name, components) => {
      const { objects, stderr } = renderCombination(components as string[]);
      expect(stderr).toBe("");
      for (const object of objects) expect(await validateObject(object), id(object)).toEqual([]);
      const pods = podTemplates(objects);
      const has = (kind: string, namespace: string, name: string) =>
        objects.some((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? "") === namespace);
      for (const pod of pods) {
        for (const container of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
          for (const source of container.envFrom ?? []) {
            if (source.configMapRef) expect(has("ConfigMap", pod.namespace, source.configMapRef.name)).toBe(true);
          }
          for (const variable of container.env ?? []) {
            const ref = variable.valueFrom?.secretKeyRef;
            if (ref) expect(has("Secret", pod.namespace, ref.name), `${id(pod.owner)} ${ref.name}`).toBe(true);
          }
        }
      }
      for (const service of objects.filter((o) => o.kind === "Service") as Any[]) {
        expect(
          selects(pods, service.metadata.namespace, { matchLabels: service.spec.selector }).length,
          id(service),
        ).toBeGreaterThan(0);
      }
      for (const route of objects.filter((o) => o.kind === "HTTPRoute") as Any[]) {
        for (const ref of route.spec.parentRefs) {
          expect(has("Gateway", ref.namespace ?? route.metadata.namespace, ref.name), id(route)).toBe(true);
        }
      }
      for (const gateway of objects.filter((o) => o.kind === "Gateway") as Any[]) {
        expect(has("GatewayClass", "", gateway.spec.gatewayClassName), id(gateway)).toBe(true);
        expect(
          has("ClusterIssuer", "", gateway.metadata.annotations["cert-manager.io/cluster-issuer"]),
          id(gateway),
        ).toBe(true);
      }
    },
  );

  it("shows why monitoring needs gateway: alone, its Gateway names a class that does not exist", () => {
    const { objects } = renderCombination(["monitoring"]);
    const gateway = objects.find((o) => o.kind === "Gateway") as Any;
    expect(objects.some((o) => o.kind === "GatewayClass" && o.metadata.name === gateway.spec.gatewayClassName)).toBe(
      false,
    );
  });
});
