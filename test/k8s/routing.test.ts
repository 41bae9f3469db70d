import { beforeAll, describe, expect, it } from "vitest";
import { type AppRoute, webRoutes } from "./app.ts";
import { type Any, overlayView } from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, renderOverlays } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

/** Services that Helm charts of k8s/README.md's install create, which HTTPRoutes may name. */
const CHART_SERVICES = [{ namespace: "monitoring", name: "kube-prometheus-stack-grafana", port: 80 }];

let appRoutes: AppRoute[] = [];
beforeAll(async () => {
  appRoutes = await webRoutes();
}, 60_000);

/** A concrete request path for a route pattern: each `:param` and `*` filled in. */
function samplePath(pattern: string): string {
  return pattern.replace(/:\w+/g, "sample-id").replace(/\*$/, "sample.css");
}

/** Gateway API path matching: Exact, and PathPrefix by whole path elements. */
function pathMatches(match: Any, path: string): number | undefined {
  const type = match?.path?.type ?? "PathPrefix";
  const value = (match?.path?.value ?? "/") as string;
  if (type === "Exact") return path === value ? Number.MAX_SAFE_INTEGER : undefined;
  if (type !== "PathPrefix") throw new Error(`path match ${type} is implementation-specific; not used here`);
  const prefix = value.replace(/\/+$/, "");
  return prefix === "" || path === prefix || path.startsWith(`${prefix}/`) ? prefix.length : undefined;
}

interface Listener {
  gateway: Any;
  listener: Any;
}

function listenersOf(objects: KubeObject[]): Listener[] {
  return objects
    .filter((o) => o.kind === "Gateway")
    .flatMap((gateway: Any) => gateway.spec.listeners.map((listener: Any) => ({ gateway, listener })));
}

/** The HTTPRoutes a listener accepts: attached to it by parentRef, from a namespace it admits. */
function routesOn(objects: KubeObject[], { gateway, listener }: Listener): Any[] {
  return objects.filter(
    (route: Any) =>
      route.kind === "HTTPRoute" &&
      (listener.allowedRoutes?.namespaces?.from === "All" || route.metadata.namespace === gateway.metadata.namespace) &&
      route.spec.parentRefs.some(
        (ref: Any) =>
          (ref.kind ?? "Gateway") === "Gateway" &&
          ref.name === gateway.metadata.name &&
          (ref.namespace ?? route.metadata.namespace) === gateway.metadata.namespace &&
          (ref.sectionName === undefined || ref.sectionName === listener.name),
      ),
  );
}

/** What a listener does with a request for `path`: the winning rule (most specific match), or undefined. */
function dispatch(objects: KubeObject[], listener: Listener, method: string, path: string): Any | undefined {
  let best: { rule: Any; score: number } | undefined;
  for (const route of routesOn(objects, listener)) {
    for (const rule of route.spec.rules ?? []) {
      for (const match of rule.matches ?? [{}]) {
        if (match.method && match.method !== method) continue;
        const score = pathMatches(match, path);
        if (score !== undefined && (!best || score > best.score)) best = { rule, score };
      }
    }
  }
  return best?.rule;
}

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: routing through the Gateway", (overlay) => {
  const { objects, pods, ofKind, find } = overlayView(rendered, overlay);
  const appGateway = () => listenersOf(objects()).filter(({ gateway }) => gateway.metadata.name === "vote");
  const https = () => appGateway().find(({ listener }) => listener.protocol === "HTTPS")!;
  const web = () => pods().find((pod) => pod.labels["app.kubernetes.io/component"] === "web")!;
  /** The paths only the cluster uses: the web pods' probes and what Prometheus scrapes from them. */
  const internalPaths = () => {
    const probes = web().spec.containers.flatMap((c: Any) =>
      [c.startupProbe, c.livenessProbe, c.readinessProbe].flatMap((probe) => probe?.httpGet?.path ?? []),
    );
    const webServices = ofKind("Service").filter(
      (s: Any) => s.spec.selector?.["app.kubernetes.io/component"] === "web",
    );
    const scraped = ofKind("ServiceMonitor")
      .filter((m: Any) =>
        webServices.some(
          (s) =>
            s.metadata.labels?.["app.kubernetes.io/component"] ===
            m.spec.selector.matchLabels?.["app.kubernetes.io/component"],
        ),
      )
      .flatMap((m: Any) => m.spec.endpoints.map((e: Any) => e.path));
    return [...new Set([...probes, ...scraped])];
  };
  const publicRoutes = () => appRoutes.filter((route) => route.path !== "/*" && !internalPaths().includes(route.path));

  it("finds the app's routes and the cluster's own paths among them", () => {
    expect(appRoutes.length).toBeGreaterThan(10);
    expect(internalPaths().sort()).toEqual(["/healthz", "/metrics", "/readyz"]);
    for (const path of internalPaths()) expect(appRoutes.map((r) => r.path)).toContain(path);
  });

  it("routes every public route of the app (its own list, not a copy) to vote-web over HTTPS", () => {
    const unrouted = publicRoutes()
      .map((route) => ({ route, rule: dispatch(objects(), https(), route.method, samplePath(route.path)) }))
      .filter(({ rule }) => rule?.backendRefs?.[0]?.name !== "vote-web")
      .map(({ route }) => `${route.method} ${route.path}`);
    expect(publicRoutes().map((route) => route.path)).toEqual(expect.arrayContaining(["/new", "/p/:poll"]));
    expect(unrouted).toEqual([]);
  });

  it("keeps the probe and metrics paths off the Gateway", () => {
    for (const { listener, gateway } of appGateway()) {
      for (const path of internalPaths()) {
        const rule = dispatch(objects(), { listener, gateway }, "GET", path);
        expect(rule?.backendRefs ?? [], `${listener.name} ${path}`).toEqual([]);
      }
    }
  });

  it("only redirects plain HTTP, to HTTPS, on every Gateway", () => {
    const plain = listenersOf(objects()).filter(({ listener }) => listener.protocol === "HTTP");
    expect(plain.length).toBeGreaterThan(0);
    for (const listener of plain) {
      for (const route of routesOn(objects(), listener)) {
        for (const rule of route.spec.rules) {
          expect(rule.backendRefs ?? [], id(route)).toEqual([]);
          expect(rule.filters, id(route)).toEqual([
            { type: "RequestRedirect", requestRedirect: { scheme: "https", statusCode: 301 } },
          ]);
        }
      }
    }
  });

  it("attaches every HTTPRoute to a listener that admits it, and routes to Services and ports that exist", () => {
    const listeners = listenersOf(objects());
    for (const route of ofKind("HTTPRoute") as Any[]) {
      expect(listeners.filter((l) => routesOn(objects(), l).includes(route)).length, `${id(route)} is attached`).toBe(
        route.spec.parentRefs.length,
      );
      for (const backend of route.spec.rules.flatMap((rule: Any) => rule.backendRefs ?? [])) {
        const namespace = backend.namespace ?? route.metadata.namespace;
        const service = find("Service", namespace, backend.name) as Any;
        const ports = service
          ? service.spec.ports.map((p: Any) => p.port)
          : CHART_SERVICES.filter((s) => s.namespace === namespace && s.name === backend.name).map((s) => s.port);
        expect(ports, `${id(route)} -> ${namespace}/${backend.name}`).toContain(backend.port);
      }
    }
    for (const { gateway } of listeners) {
      expect(find("GatewayClass", "", gateway.spec.gatewayClassName), id(gateway)).toBeDefined();
    }
  });

  it("serves every HTTPS listener a certificate that cert-manager's Gateway support issues from an issuer that exists", () => {
    for (const { gateway, listener } of listenersOf(objects()).filter((l) => l.listener.protocol === "HTTPS")) {
      const issuer = gateway.metadata.annotations?.["cert-manager.io/cluster-issuer"];
      expect(find("ClusterIssuer", "", issuer), `${id(gateway)}: ClusterIssuer ${issuer}`).toBeDefined();
      expect(listener.hostname, id(gateway)).toMatch(/^[a-z0-9.-]+$/);
      expect(listener.tls.mode, id(gateway)).toBe("Terminate");
      expect(
        listener.tls.certificateRefs.map((ref: Any) => ref.kind ?? "Secret"),
        id(gateway),
      ).toEqual(["Secret"]);
      // Plain HTTP on the same host, where HTTP-01 challenges arrive.
      expect(
        gateway.spec.listeners.some((l: Any) => l.protocol === "HTTP" && l.hostname === listener.hostname),
        id(gateway),
      ).toBe(true);
    }
  });

  it("serves Grafana from a host of its own, not the app's origin, and Loki from none", () => {
    const hosts = (name: string) =>
      new Set(
        listenersOf(objects())
          .filter(({ gateway }) => gateway.metadata.name === name)
          .map(({ listener }) => listener.hostname),
      );
    const grafana = hosts("grafana");
    expect(grafana.size).toBe(1);
    for (const host of hosts("vote")) expect(grafana.has(host), host).toBe(false);
    const backends = (ofKind("HTTPRoute") as Any[]).flatMap((r) =>
      r.spec.rules.flatMap((rule: Any) => rule.backendRefs ?? []),
    );
    expect(backends.map((b: Any) => b.name).filter((name: string) => /loki/.test(name))).toEqual([]);
  });

  it("lets the proxy close an idle connection to a web pod before the web process would (no 502/503 race)", () => {
    const policy = (ofKind("BackendTrafficPolicy") as Any[]).find((p) =>
      p.spec.targetRefs.some((ref: Any) => ref.kind === "HTTPRoute" && ref.name === "vote"),
    );
    expect(policy, "a BackendTrafficPolicy on the app's route").toBeDefined();
    const seconds = (duration: string) => {
      const match = /^(\d+)(ms|s|m|h)$/.exec(duration)!;
      return Number(match[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[match[2] as "ms" | "s" | "m" | "h"];
    };
    const proxyIdle = seconds(policy.spec.timeout.http.connectionIdleTimeout);
    const container = web().spec.containers[0];
    const config = find("ConfigMap", "vote", container.envFrom[0].configMapRef.name) as Any;
    const keepAlive = Number(config.data.KEEP_ALIVE_TIMEOUT_MS) / 1000;
    expect(keepAlive, "KEEP_ALIVE_TIMEOUT_MS is set").toBeGreaterThan(0);
    expect(proxyIdle).toBeLessThan(keepAlive);
  });
});
