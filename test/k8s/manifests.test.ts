import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import {
  checkout,
  id,
  kubectlMissing,
  kustomize,
  OVERLAYS,
  parseObjects,
  ROOT,
  renderChanged,
  renderOverlays,
} from "./render.ts";
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

  it("rejects unknown fields in Gateway API kinds and in Envoy Gateway's vendored BackendTrafficPolicy schema", async () => {
    const route = {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "HTTPRoute",
      metadata: { name: "probe", namespace: "vote" },
      spec: { parentRefs: [{ name: "vote" }], rules: [{ backendRefs: [{ name: "web", port: 80, wieght: 1 }] }] },
    } as unknown as KubeObject;
    const policy = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "BackendTrafficPolicy",
      metadata: { name: "probe", namespace: "vote", labelz: {} },
      spec: {
        targetRefs: [{ group: "gateway.networking.k8s.io", kind: "HTTPRoute", name: "probe" }],
        timeout: { http: { connectionIdleTimout: "60s" } },
      },
    } as unknown as KubeObject;
    expect(await validateObject(route)).toEqual(['/spec/rules/0/backendRefs/0/wieght: unknown field "wieght"']);
    expect((await validateObject(policy)).sort()).toEqual([
      '/metadata/labelz: unknown field "labelz"',
      '/spec/timeout/http/connectionIdleTimout: unknown field "connectionIdleTimout"',
    ]);
  });

  it("rejects a wrong type in a vendored schema", async () => {
    const policy = {
      apiVersion: "gateway.envoyproxy.io/v1alpha1",
      kind: "BackendTrafficPolicy",
      metadata: { name: "probe", namespace: "vote" },
      spec: { targetRefs: "vote", timeout: { http: { connectionIdleTimeout: 60 } } },
    } as unknown as KubeObject;
    const problems = (await validateObject(policy)).join("\n");
    expect(problems).toMatch(/targetRefs must be array/);
    expect(problems).toMatch(/connectionIdleTimeout must be string/);
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

    it("holds only objects valid against their schema: Kubernetes, Gateway API, cert-manager, Prometheus operator, Envoy Gateway", async () => {
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
      for (const kind of [
        "GatewayClass",
        "Gateway",
        "HTTPRoute",
        "BackendTrafficPolicy",
        "ClusterIssuer",
        "ServiceMonitor",
        "PrometheusRule",
        "CronJob",
      ]) {
        expect(kinds).toContain(kind);
      }
    });
  });
});

describe.skipIf(kubectlMissing)(
  "a fresh clone (only what git checks out: no secrets.env, no file made by hand)",
  () => {
    const dir = kubectlMissing ? "" : checkout();
    const minikube = kubectlMissing ? undefined : kustomize(dir, "minikube");
    const production = kubectlMissing ? undefined : kustomize(dir, "production");
    if (dir) rmSync(dir, { recursive: true, force: true });

    it("renders the minikube overlay, whole and valid", async () => {
      expect(minikube!.stderr).toBe("");
      expect(minikube!.status).toBe(0);
      const objects = parseObjects(minikube!.stdout, "minikube");
      expect(objects.map(id).sort()).toEqual((rendered.get("minikube") ?? []).map(id).sort());
      for (const object of objects) expect(await validateObject(object), id(object)).toEqual([]);
    });

    it("gives minikube credentials that say they are for development only", () => {
      const secrets = parseObjects(minikube!.stdout, "minikube").filter((o) => o.kind === "Secret") as (KubeObject & {
        data: Record<string, string>;
      })[];
      expect(secrets.map((secret) => secret.metadata.name)).toEqual(expect.arrayContaining(["grafana-admin"]));
      for (const secret of secrets) {
        for (const [key, value] of Object.entries(secret.data)) {
          const plain = Buffer.from(value, "base64").toString();
          if (key !== "admin-user") expect(plain, `${secret.metadata.name} ${key}`).toMatch(/^dev-only-/);
        }
      }
    });

    it("stops the production overlay with a message naming the secrets file to write, which has an example", () => {
      expect(production!.status).not.toBe(0);
      expect(production!.stdout).toBe("");
      const missing = /env source files: \[([\w.-]+)\]: .*no such file or directory/.exec(production!.stderr);
      expect(missing, production!.stderr).not.toBeNull();
      expect(existsSync(join(ROOT, "k8s/overlays/production", `${missing![1]}.example`))).toBe(true);
    });
  },
);

/** The overlay's kustomization with its `components:` list put in another order. */
function reorder(overlay: string, order: (components: string[]) => string[]) {
  return (dir: string) => {
    const path = join(dir, "k8s/overlays", overlay, "kustomization.yaml");
    const kustomization = parseYaml(readFileSync(path, "utf8"));
    kustomization.components = order(kustomization.components);
    writeFileSync(path, stringifyYaml(kustomization));
  };
}

const byId = (objects: KubeObject[]) => Object.fromEntries(objects.map((object) => [id(object), object]));

describe.skipIf(kubectlMissing).each(OVERLAYS)("the components of the %s overlay", (overlay) => {
  it("render the same objects in the reverse order, tls-letsencrypt after gateway", () => {
    const reversed = renderChanged(
      overlay,
      reorder(overlay, (components) => {
        const others = components.filter((c) => !c.endsWith("/tls-letsencrypt")).reverse();
        const letsencrypt = components.filter((c) => c.endsWith("/tls-letsencrypt"));
        return [...others, ...letsencrypt];
      }),
    );
    expect(reversed.stderr).toBe("");
    expect(byId(parseObjects(reversed.stdout, overlay))).toEqual(byId(rendered.get(overlay) ?? []));
  });

  it("render the same objects with monitoring first (its Gateway for Grafana is no patch on the gateway component)", () => {
    const first = renderChanged(
      overlay,
      reorder(overlay, (components) => [
        ...components.filter((c) => c.endsWith("/monitoring")),
        ...components.filter((c) => !c.endsWith("/monitoring")),
      ]),
    );
    expect(first.stderr).toBe("");
    const objects = parseObjects(first.stdout, overlay);
    expect(byId(objects)).toEqual(byId(rendered.get(overlay) ?? []));
    expect(objects.filter((o) => o.kind === "Gateway").map(id)).toContain("Gateway/monitoring/grafana");
  });

  it("refuse, loudly, tls-letsencrypt before gateway (where the overlay uses it)", () => {
    const components = parseYaml(readFileSync(join(ROOT, "k8s/overlays", overlay, "kustomization.yaml"), "utf8"))
      .components as string[];
    if (!components.some((c) => c.endsWith("/tls-letsencrypt"))) return;
    const early = renderChanged(
      overlay,
      reorder(overlay, (list) => [
        ...list.filter((c) => c.endsWith("/tls-letsencrypt")),
        ...list.filter((c) => !c.endsWith("/tls-letsencrypt")),
      ]),
    );
    expect(early.status).not.toBe(0);
    expect(early.stderr).toMatch(/no resource matches strategic merge patch .*ClusterIssuer.*vote/);
  });
});
