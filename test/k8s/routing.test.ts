import { describe, expect, it } from "vitest";
import { type Any, overlayView } from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, renderOverlays } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: routing", (overlay) => {
  const { ofKind, find } = overlayView(rendered, overlay);

  it("routes the app's public paths, and /grafana, through Ingresses on the certificate's host to Services that exist", () => {
    const ingresses = ofKind("Ingress") as Any[];
    const certificate = ofKind("Certificate")[0] as Any;
    const paths: Record<string, string> = {};
    for (const ingress of ingresses) {
      const rule = ingress.spec.rules[0];
      expect(ingress.spec.tls[0].hosts, id(ingress)).toContain(rule.host);
      expect(ingress.spec.tls[0].secretName, id(ingress)).toBe(certificate.spec.secretName);
      expect(certificate.spec.dnsNames, id(ingress)).toContain(rule.host);
      for (const p of rule.http.paths) {
        expect(paths[p.path], `${p.path} routed twice`).toBeUndefined();
        paths[p.path] = p.backend.service.name;
        const service = find("Service", ingress.metadata.namespace, p.backend.service.name) as Any;
        expect(service, p.path).toBeDefined();
        expect(
          service.spec.ports.map((port: Any) => port.name),
          p.path,
        ).toContain(p.backend.service.port.name);
      }
    }
    for (const path of ["/", "/vote", "/result", "/api", "/static"]) expect(paths[path], path).toBe("vote-web");
    expect(paths["/grafana"]).toBe("grafana");
    // Grafana reaches Loki inside the cluster; a public /loki would accept anyone's pushes and queries.
    expect(paths["/loki"]).toBeUndefined();
    const issuer = certificate.spec.issuerRef;
    expect(find(issuer.kind, "", issuer.name), "the Certificate's issuer").toBeDefined();
  });
});
