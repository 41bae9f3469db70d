import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Any, EXTERNAL_PODS, matches, overlayView, type PodTemplate, selects } from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, README, renderOverlays, shellCommands } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const readme = readFileSync(README, "utf8");

/**
 * Envoy Gateway's proxies: the namespace the README installs it in, and the
 * labels it gives the proxy pods of each Gateway (its
 * internal/infrastructure/kubernetes/proxy/resource.go and
 * internal/gatewayapi/translator.go, v1.9.0).
 */
const ENVOY_GATEWAY = {
  namespace: "envoy-gateway-system",
  proxyLabels: (gateway: { name: string; namespace: string }) => ({
    "app.kubernetes.io/name": "envoy",
    "app.kubernetes.io/component": "proxy",
    "app.kubernetes.io/managed-by": "envoy-gateway",
    "gateway.envoyproxy.io/owning-gateway-name": gateway.name,
    "gateway.envoyproxy.io/owning-gateway-namespace": gateway.namespace,
  }),
};

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: network", (overlay) => {
  const { pods, ofKind, find } = overlayView(rendered, overlay);

  it("has every Service select pods that exist, on ports those pods name", () => {
    const problems = ofKind("Service").flatMap((service) => {
      const spec = service.spec as Any;
      if (spec.type === "ExternalName") return [];
      if (!spec.selector) return [`${id(service)}: no selector`];
      const selected = selects(pods(), service.metadata.namespace!, { matchLabels: spec.selector });
      if (selected.length === 0) return [`${id(service)}: selects no pods`];
      return spec.ports
        .filter((port: Any) => typeof port.targetPort === "string")
        .filter(
          (port: Any) =>
            !selected.every((pod) =>
              pod.spec.containers.some((c: Any) => c.ports?.some((p: Any) => p.name === port.targetPort)),
            ),
        )
        .map((port: Any) => `${id(service)}: targetPort ${port.targetPort} not on every selected pod`);
    });
    expect(problems).toEqual([]);
  });

  it("has every NetworkPolicy, and every pod peer in it, select pods that exist", () => {
    const problems = ofKind("NetworkPolicy").flatMap((policy) => {
      const spec = policy.spec as Any;
      const namespace = policy.metadata.namespace!;
      const external = EXTERNAL_PODS.some((labels) => matches(spec.podSelector, labels));
      const found: string[] = [];
      if (!external && selects(pods(), namespace, spec.podSelector).length === 0)
        found.push(`${id(policy)}: selects no pods`);
      const peers = [
        ...(spec.ingress ?? []).flatMap((r: Any) => r.from ?? []),
        ...(spec.egress ?? []).flatMap((r: Any) => r.to ?? []),
      ];
      for (const peer of peers) {
        if (peer.podSelector && !peer.namespaceSelector && selects(pods(), namespace, peer.podSelector).length === 0) {
          found.push(`${id(policy)}: peer ${JSON.stringify(peer.podSelector)} selects no pods`);
        }
      }
      return found;
    });
    expect(problems).toEqual([]);
  });

  it("denies by default and lets every pod resolve names (DNS on UDP and TCP 53)", () => {
    const policies = ofKind("NetworkPolicy").map((p) => ({ ...p, spec: p.spec as Any }));
    const denyAll = policies.find(
      (p) =>
        Object.keys(p.spec.podSelector ?? {}).length === 0 &&
        p.spec.policyTypes?.includes("Ingress") &&
        p.spec.policyTypes?.includes("Egress") &&
        !p.spec.ingress &&
        !p.spec.egress,
    );
    expect(denyAll, "a default-deny NetworkPolicy").toBeDefined();
    const allowsDns = (pod: PodTemplate) =>
      policies.some(
        (p) =>
          p.metadata.namespace === pod.namespace &&
          matches(p.spec.podSelector, pod.labels) &&
          (p.spec.egress ?? []).some((rule: Any) =>
            ["UDP", "TCP"].every((protocol) =>
              rule.ports?.some((port: Any) => port.port === 53 && port.protocol === protocol),
            ),
          ),
      );
    expect(
      pods()
        .filter((pod) => !allowsDns(pod))
        .map((pod) => id(pod.owner)),
    ).toEqual([]);
  });

  it("lets each client reach its servers: egress from one side and ingress on the other", () => {
    const policies = ofKind("NetworkPolicy").map((p) => p.spec as Any);
    const byComponent = (component: string) =>
      pods().find(
        (pod) =>
          pod.labels["app.kubernetes.io/component"] === component || pod.labels["app.kubernetes.io/name"] === component,
      )!;
    const allowed = (direction: "ingress" | "egress", from: PodTemplate, to: PodTemplate, port: number) =>
      policies.some(
        (spec) =>
          matches(spec.podSelector, direction === "egress" ? from.labels : to.labels) &&
          (spec[direction] ?? []).some(
            (rule: Any) =>
              (rule.ports ?? []).some((p: Any) => p.port === port) &&
              (!(rule.from ?? rule.to) ||
                (rule.from ?? rule.to).some(
                  (peer: Any) =>
                    peer.podSelector && matches(peer.podSelector, direction === "egress" ? to.labels : from.labels),
                )),
          ),
      );
    const flows: [string, string, number][] = [
      ["web", "database", 5432],
      ["web", "queue", 6379],
      ["consumer", "database", 5432],
      ["consumer", "queue", 6379],
      ["backup", "database", 5432],
      ["postgres-exporter", "database", 5432],
      ["redis-exporter", "queue", 6379],
    ];
    const blocked = flows.filter(
      ([from, to, port]) =>
        !allowed("egress", byComponent(from), byComponent(to), port) ||
        !allowed("ingress", byComponent(from), byComponent(to), port),
    );
    expect(blocked).toEqual([]);
  });

  it("trusts X-Forwarded-For only where every path to the web pods runs through the Gateway's proxies", () => {
    const config = ofKind("ConfigMap").find((c) => c.metadata.name.startsWith("vote-config")) as Any;
    const hops = config.data.TRUSTED_PROXY_HOPS as string;
    expect(hops, "TRUSTED_PROXY_HOPS is a whole number").toMatch(/^\d+$/);
    const web = find("Deployment", "vote", "vote-web") as Any;
    const webLabels = web.spec.template.metadata.labels;
    const bypass = ofKind("Service").filter(
      (s) =>
        ["NodePort", "LoadBalancer"].includes((s.spec as Any).type) &&
        matches({ matchLabels: (s.spec as Any).selector }, webLabels),
    );
    const webRules = ofKind("NetworkPolicy")
      .filter((p) => matches((p.spec as Any).podSelector, webLabels))
      .flatMap((p) => ((p.spec as Any).ingress ?? []).map((rule: Any) => ({ policy: id(p), rule })))
      .filter(({ rule }) => (rule.ports ?? []).some((port: Any) => port.port === 8080) || !rule.ports);
    // Open: no `from` (anyone), or pods of this namespace (any pod here could forge the header).
    const openRules = webRules.filter(
      ({ rule }) => !rule.from || rule.from.some((peer: Any) => !peer.namespaceSelector),
    );
    // The Gateways that route to the web pods, and the proxy pods Envoy Gateway runs for each.
    const gateways = (ofKind("HTTPRoute") as Any[])
      .filter((route) => route.spec.rules.some((r: Any) => r.backendRefs?.some((b: Any) => b.name === "vote-web")))
      .flatMap((route) =>
        route.spec.parentRefs.map((ref: Any) => ({
          name: ref.name,
          namespace: ref.namespace ?? route.metadata.namespace,
        })),
      );
    const proxiesAdmitted = gateways.every((gateway) =>
      webRules.some(({ rule }) =>
        rule.from?.some(
          (peer: Any) =>
            matches(peer.namespaceSelector, { "kubernetes.io/metadata.name": ENVOY_GATEWAY.namespace }) &&
            matches(peer.podSelector, ENVOY_GATEWAY.proxyLabels(gateway)),
        ),
      ),
    );
    if (Number(hops) > 0) {
      expect(gateways.length, "a proxy to trust").toBeGreaterThan(0);
      expect(bypass.map(id), "no Service reaches the web pods around the Gateway").toEqual([]);
      expect(
        openRules.map(({ policy }) => policy),
        "only named namespaces reach the web port",
      ).toEqual([]);
      expect(proxiesAdmitted, "the Gateway's proxies reach the web port").toBe(true);
    } else {
      // Hops stay 0 only where the Gateway can be bypassed: otherwise every client would share the proxy's address.
      expect(
        gateways.length === 0 || bypass.length > 0 || openRules.length > 0,
        "a Gateway-only overlay trusts its proxy",
      ).toBe(true);
    }
  });

  it("throttles voters rather than addresses where the proxy shows real ones (a room behind one NAT address votes at once)", () => {
    const config = ofKind("ConfigMap").find((c) => c.metadata.name.startsWith("vote-config")) as Any;
    const perAddress = Number(config.data.VOTE_RATE_LIMIT ?? 0);
    const perVoter = Number(config.data.VOTER_RATE_LIMIT ?? 0);
    if (Number(config.data.TRUSTED_PROXY_HOPS) > 0) {
      expect(perVoter, "VOTER_RATE_LIMIT").toBeGreaterThan(0);
      // A room of 1,000 voters sharing an address, each voting once in a minute, is never refused.
      expect(perAddress === 0 || perAddress >= 1_000, `VOTE_RATE_LIMIT=${perAddress}`).toBe(true);
    }
  });

  it("installs Envoy Gateway, as the README says, in the namespace the policies name", () => {
    const install = shellCommands(readme).find((c) => c.startsWith("helm install eg "))!;
    expect(install, "the README installs Envoy Gateway").toBeDefined();
    expect(install).toContain(`-n ${ENVOY_GATEWAY.namespace}`);
    expect(install).toMatch(/--version v\d+\.\d+\.\d+ /);
    for (const policy of ofKind("NetworkPolicy") as Any[]) {
      for (const peer of (policy.spec.ingress ?? []).flatMap((r: Any) => r.from ?? [])) {
        if (peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "envoy") {
          expect(peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"], id(policy)).toBe(
            ENVOY_GATEWAY.namespace,
          );
        }
      }
    }
  });
});
