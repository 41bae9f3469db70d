import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { type Any, imageTag, podTemplates, restrictedProblems } from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, README, readmeSection, renderOverlays, shellCommands } from "./render.ts";
import { type KubeObject, validateObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();
const readme = readFileSync(README, "utf8");

describe.skipIf(kubectlMissing)("the README's commands against the rendered overlays", () => {
  it("stops and restarts every consumer in the restore walk-through, and names no Deployment an overlay lacks", () => {
    const commands = shellCommands(readmeSection(readme, "Back up and restore")).filter((c) =>
      /kubectl -n vote (scale|get) deploy/.test(c),
    );
    const selectors = commands.flatMap((c) => [...(/-l (\S+)/.exec(c)?.slice(1) ?? [])]);
    expect(
      commands.some((c) => c.includes("--replicas=0")),
      "the walk-through stops the writers",
    ).toBe(true);
    expect(new Set(selectors).size, "one selector for stopping and noting the consumers").toBe(1);
    const [key, value] = selectors[0]!.split("=");
    for (const overlay of OVERLAYS) {
      const deployments = (rendered.get(overlay) ?? []).filter((o) => o.kind === "Deployment") as Any[];
      const consumers = deployments
        .filter((d) => d.spec.template.metadata.labels["app.kubernetes.io/component"] === "consumer")
        .map((d) => d.metadata.name);
      const selected = deployments.filter((d) => d.metadata.labels?.[key!] === value).map((d) => d.metadata.name);
      expect(selected.sort(), overlay).toEqual(consumers.sort());
      for (const command of commands) {
        for (const [, name] of command.matchAll(/deploy\/([\w-]+)/g)) {
          expect(
            deployments.map((d) => d.metadata.name),
            `${overlay}: ${command}`,
          ).toContain(name);
        }
      }
    }
    // Restored from what was noted, not from a fixed count: minikube's canary comes back too.
    expect(commands.at(-1)).toMatch(
      /while read -r name replicas; do kubectl -n vote scale deploy\/"\$name" --replicas="\$replicas"; done < consumers\.txt/,
    );
  });

  it("gives a debug pod that Pod Security's restricted profile admits, and kubectl debug its restricted profile", async () => {
    const section = readmeSection(readme, "Debug");
    const manifest = /kubectl -n vote apply -f - <<'EOF'\n([\s\S]*?)\nEOF/.exec(section)?.[1];
    expect(manifest, "a pod manifest in the Debug section").toBeDefined();
    const pod = parseYaml(manifest!) as Any;
    expect(await validateObject(pod)).toEqual([]);
    expect(pod.metadata.namespace).toBe("vote");
    const problems = pod.spec.containers.flatMap((c: Any) => restrictedProblems(pod.spec, c, c.name));
    expect(problems).toEqual([]);
    for (const c of pod.spec.containers) {
      expect(imageTag(c.image), c.image).not.toBe("latest");
      for (const bound of ["requests", "limits"]) {
        expect(Object.keys(c.resources?.[bound] ?? {}).sort(), `${c.name} ${bound}`).toEqual(["cpu", "memory"]);
      }
    }
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    const ephemeral = shellCommands(section).find((c) => c.startsWith("kubectl -n vote debug"))!;
    expect(ephemeral).toContain("--profile=restricted");
    // The target pod's own context makes the ephemeral container non-root: busybox alone would run as root.
    const pick = shellCommands(section).find((c) => c.startsWith("POD=$(kubectl -n vote get pod -l "))!;
    const [key, value] = /-l (\S+)/.exec(pick)![1]!.split("=");
    for (const overlay of OVERLAYS) {
      const targets = podTemplates(rendered.get(overlay) ?? []).filter((pod) => pod.labels[key!] === value);
      expect(targets.length, overlay).toBeGreaterThan(0);
      for (const pod of targets) {
        expect(pod.spec.securityContext.runAsNonRoot, id(pod.owner)).toBe(true);
        expect(pod.spec.securityContext.runAsUser, id(pod.owner)).toBeGreaterThan(0);
      }
    }
  });
});

describe.skipIf(kubectlMissing)("the README's Helm installs", () => {
  const installs = shellCommands(readme).filter((c) => c.startsWith("helm install "));
  const flag = (install: string, name: string) =>
    new RegExp(`--set '?${name.replace(/\./g, "\\.")}=([^' ]+)`).exec(install)?.[1];
  const named = (release: string) => installs.find((c) => c.startsWith(`helm install ${release} `))!;

  it("pin every chart to a version and wait for it to be ready", () => {
    expect(installs.map((c) => c.split(" ")[2]).sort()).toEqual(
      ["alloy", "cert-manager", "eg", "kube-prometheus-stack", "loki"].sort(),
    );
    for (const install of installs) {
      expect(install, install).toMatch(/ --version v?\d+\.\d+\.\d+ /);
      expect(install, install).toMatch(/ --wait( |$)/);
    }
  });

  it("keep Prometheus' metrics on a volume for a stated time, and Loki's logs for a stated time", () => {
    const prometheus = named("kube-prometheus-stack");
    expect(flag(prometheus, "prometheus.prometheusSpec.retention")).toMatch(/^\d+d$/);
    expect(
      flag(prometheus, "prometheus.prometheusSpec.storageSpec.volumeClaimTemplate.spec.resources.requests.storage"),
    ).toMatch(/^\d+Gi$/);
    const loki = named("loki");
    expect(flag(loki, "loki.limits_config.retention_period")).toMatch(/^\d+h$/);
    expect(flag(loki, "loki.compactor.retention_enabled")).toBe("true");
  });

  it("turn on cert-manager's Gateway support, and give Grafana the root URL of its own Gateway's host", () => {
    expect(flag(named("cert-manager"), "config.enableGatewayAPI")).toBe("true");
    const rootUrl = new URL(flag(named("kube-prometheus-stack"), "grafana.grafana\\.ini.server.root_url")!);
    expect(rootUrl.pathname).toBe("/");
    const gateway = (rendered.get("minikube") ?? []).find(
      (o) => o.kind === "Gateway" && o.metadata.name === "grafana",
    ) as Any;
    expect(gateway.spec.listeners.map((l: Any) => l.hostname)).toContain(rootUrl.hostname);
    expect(installs.join("\n")).not.toMatch(/serve_from_sub_path/);
  });
});
