import { describe, expect, it } from "vitest";
import { id, kubectlMissing, OVERLAYS, renderOverlays } from "./render.ts";
import { inspectObject, type KubeObject, validateObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

describe("the schema validator", () => {
  const deployment = (container: Record<string, unknown>): KubeObject =>
    ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "probe", labels: { "any-label": "is fine" } },
      spec: {
        selector: { matchLabels: { app: "probe" } },
        template: {
          metadata: { labels: { app: "probe" } },
          spec: { containers: [{ name: "app", resources: { limits: { cpu: "1", memory: "1Gi" } }, ...container }] },
        },
      },
    }) as unknown as KubeObject;

  it("accepts a valid object, free-form maps included", async () => {
    expect(await validateObject(deployment({ image: "app:1.0.0" }))).toEqual([]);
  });

  it("rejects a misspelt field deep inside a pod template", async () => {
    expect(await validateObject(deployment({ imagee: "app:1.0.0" }))).toEqual([
      '/spec/template/spec/containers/0/imagee: unknown field "imagee"',
    ]);
  });

  it("rejects a misspelt top-level field", async () => {
    const object = { ...deployment({ image: "app:1.0.0" }), spex: {} } as KubeObject;
    expect(await validateObject(object)).toEqual(['/spex: unknown field "spex"']);
  });

  it("rejects a value of the wrong type and a missing required field", async () => {
    const object = deployment({ image: "app:1.0.0" }) as unknown as { spec: Record<string, unknown> };
    object.spec.replicas = "two";
    delete object.spec.selector;
    const problems = (await validateObject(object as unknown as KubeObject)).join("\n");
    expect(problems).toMatch(/replicas must be integer/);
    expect(problems).toMatch(/must have required property selector/);
  });

  it("rejects unknown fields in cert-manager and Prometheus-operator kinds", async () => {
    const certificate = {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "probe" },
      spec: { secretName: "probe", issuerRef: { name: "issuer" }, dnsNamez: ["example.com"] },
    } as unknown as KubeObject;
    const monitor = {
      apiVersion: "monitoring.coreos.com/v1",
      kind: "ServiceMonitor",
      metadata: { name: "probe" },
      spec: { selector: { matchLabels: { app: "probe" } }, endpoints: [{ port: "http", intervall: "15s" }] },
    } as unknown as KubeObject;
    expect(await validateObject(certificate)).toEqual(['/spec/dnsNamez: unknown field "dnsNamez"']);
    expect(await validateObject(monitor)).toEqual(['/spec/endpoints/0/intervall: unknown field "intervall"']);
  });

  it("rejects a kind it has no schema for", async () => {
    const object = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } } as KubeObject;
    expect(await validateObject(object)).toEqual(["no schema for example.com/v1 Widget"]);
  });
});

describe.skipIf(kubectlMissing)("every overlay", () => {
  it("is found: minikube and production at least", () => {
    expect(OVERLAYS).toEqual(expect.arrayContaining(["minikube", "production"]));
  });

  describe.each(OVERLAYS)("%s", (overlay) => {
    it("renders with kubectl kustomize", () => {
      expect(rendered.get(overlay)?.length).toBeGreaterThan(20);
    });

    it("holds only objects valid against their Kubernetes, cert-manager or Prometheus-operator schema", async () => {
      const problems: string[] = [];
      for (const object of rendered.get(overlay) ?? []) {
        for (const problem of await validateObject(object)) problems.push(`${id(object)}: ${problem}`);
      }
      expect(problems).toEqual([]);
    });

    it("leaves no part of any object unchecked (no free-form field the validator skips)", async () => {
      const unchecked: string[] = [];
      for (const object of rendered.get(overlay) ?? []) {
        for (const path of (await inspectObject(object)).unchecked) unchecked.push(`${id(object)}: ${path}`);
      }
      expect(unchecked).toEqual([]);
    });

    it("covers the custom kinds it relies on", () => {
      const kinds = new Set(rendered.get(overlay)?.map((object) => object.kind));
      for (const kind of ["Certificate", "ClusterIssuer", "ServiceMonitor", "PrometheusRule", "CronJob", "Ingress"]) {
        expect(kinds).toContain(kind);
      }
    });
  });
});
