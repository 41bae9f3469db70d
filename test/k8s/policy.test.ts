import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { id, kubectlMissing, OVERLAYS, renderOverlays, ROOT } from "./render.ts";
import type { KubeObject } from "./schema.ts";

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are plain JSON. */
type Any = any;

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

const CLUSTER_SCOPED = new Set(["Namespace", "ClusterIssuer", "ClusterRole", "ClusterRoleBinding", "PersistentVolume", "StorageClass"]);
const LONG_RUNNING = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
/** Pods that something other than these manifests creates, selected by policies on purpose. */
const EXTERNAL_PODS = [{ "acme.cert-manager.io/http01-solver": "true" }];

interface PodTemplate {
  owner: KubeObject;
  namespace: string;
  labels: Record<string, string>;
  spec: Any;
}

function podTemplates(objects: KubeObject[]): PodTemplate[] {
  return objects.flatMap((object) => {
    const spec = object.spec as Any;
    const template = object.kind === "CronJob" ? spec?.jobTemplate?.spec?.template : spec?.template;
    if (!template?.spec?.containers) return [];
    return [{ owner: object, namespace: object.metadata.namespace ?? "", labels: template.metadata?.labels ?? {}, spec: template.spec }];
  });
}

function containersOf(pod: PodTemplate): { container: Any; init: boolean }[] {
  return [
    ...(pod.spec.initContainers ?? []).map((container: Any) => ({ container, init: true })),
    ...pod.spec.containers.map((container: Any) => ({ container, init: false })),
  ];
}

function matches(selector: Any, labels: Record<string, string>): boolean {
  if (!selector) return true;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const byExpressions = (selector.matchExpressions ?? []).every((expression: Any) => {
    const value = labels[expression.key];
    switch (expression.operator) {
      case "In":
        return value !== undefined && expression.values.includes(value);
      case "NotIn":
        return value === undefined || !expression.values.includes(value);
      case "Exists":
        return value !== undefined;
      case "DoesNotExist":
        return value === undefined;
      default:
        throw new Error(`unknown operator ${expression.operator}`);
    }
  });
  return byLabels && byExpressions;
}

/** A selector written as a Service's plain map or a LabelSelector. */
function selects(pods: PodTemplate[], namespace: string, selector: Any): PodTemplate[] {
  return pods.filter((pod) => pod.namespace === namespace && matches(selector, pod.labels));
}

function imageTag(image: string): string | undefined {
  if (image.includes("@sha256:")) return "digest";
  const last = image.split("/").at(-1)!;
  return last.includes(":") ? last.split(":").at(-1) : undefined;
}

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay", (overlay) => {
  const objects = () => rendered.get(overlay) ?? [];
  const pods = () => podTemplates(objects());
  const ofKind = (kind: string) => objects().filter((object) => object.kind === kind);
  const find = (kind: string, namespace: string, name: string) =>
    objects().find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? "") === namespace);

  it("gives every long-running container liveness and readiness probes", () => {
    const missing = pods()
      .filter((pod) => LONG_RUNNING.has(pod.owner.kind))
      .flatMap((pod) =>
        pod.spec.containers
          .filter((c: Any) => !c.livenessProbe || !c.readinessProbe)
          .map((c: Any) => `${id(pod.owner)} ${c.name}`),
      );
    expect(missing).toEqual([]);
  });

  it("gives every container CPU and memory requests and limits", () => {
    const missing = pods().flatMap((pod) =>
      containersOf(pod)
        .filter(({ container: c }) => !["requests", "limits"].every((k) => c.resources?.[k]?.cpu && c.resources?.[k]?.memory))
        .map(({ container: c }) => `${id(pod.owner)} ${c.name}`),
    );
    expect(missing).toEqual([]);
  });

  it("runs every container under the restricted security context", () => {
    const problems = pods().flatMap((pod) =>
      containersOf(pod).flatMap(({ container: c }) => {
        const sc = c.securityContext ?? {};
        const podSc = pod.spec.securityContext ?? {};
        const where = `${id(pod.owner)} ${c.name}`;
        const found: string[] = [];
        if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) found.push(`${where}: runAsNonRoot`);
        if ((sc.runAsUser ?? podSc.runAsUser) === 0) found.push(`${where}: runAsUser 0`);
        if ((sc.seccompProfile ?? podSc.seccompProfile)?.type !== "RuntimeDefault") found.push(`${where}: seccomp`);
        if (sc.allowPrivilegeEscalation !== false) found.push(`${where}: allowPrivilegeEscalation`);
        if (sc.readOnlyRootFilesystem !== true) found.push(`${where}: readOnlyRootFilesystem`);
        if (!sc.capabilities?.drop?.includes("ALL")) found.push(`${where}: capabilities.drop ALL`);
        if (sc.privileged || sc.capabilities?.add?.length) found.push(`${where}: privileged or added capabilities`);
        return found;
      }),
    );
    expect(problems).toEqual([]);
  });

  it("gives every pod a defined ServiceAccount and no API token", () => {
    const problems = pods().flatMap((pod) => {
      const account = pod.spec.serviceAccountName;
      const found: string[] = [];
      if (!account || !find("ServiceAccount", pod.namespace, account)) found.push(`${id(pod.owner)}: ServiceAccount ${account}`);
      if (pod.spec.automountServiceAccountToken !== false) found.push(`${id(pod.owner)}: token automount`);
      return found;
    });
    expect(problems).toEqual([]);
  });

  it("has every Service select pods that exist, on ports those pods name", () => {
    const problems = ofKind("Service").flatMap((service) => {
      const spec = service.spec as Any;
      if (spec.type === "ExternalName") return [];
      if (!spec.selector) return [`${id(service)}: no selector`];
      const selected = selects(pods(), service.metadata.namespace!, { matchLabels: spec.selector });
      if (selected.length === 0) return [`${id(service)}: selects no pods`];
      return spec.ports
        .filter((port: Any) => typeof port.targetPort === "string")
        .filter((port: Any) =>
          !selected.every((pod) => pod.spec.containers.some((c: Any) => c.ports?.some((p: Any) => p.name === port.targetPort))),
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
      if (!external && selects(pods(), namespace, spec.podSelector).length === 0) found.push(`${id(policy)}: selects no pods`);
      const peers = [...(spec.ingress ?? []).flatMap((r: Any) => r.from ?? []), ...(spec.egress ?? []).flatMap((r: Any) => r.to ?? [])];
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
      (p) => Object.keys(p.spec.podSelector ?? {}).length === 0 && p.spec.policyTypes?.includes("Ingress") &&
        p.spec.policyTypes?.includes("Egress") && !p.spec.ingress && !p.spec.egress,
    );
    expect(denyAll, "a default-deny NetworkPolicy").toBeDefined();
    const allowsDns = (pod: PodTemplate) =>
      policies.some(
        (p) =>
          p.metadata.namespace === pod.namespace &&
          matches(p.spec.podSelector, pod.labels) &&
          (p.spec.egress ?? []).some((rule: Any) =>
            ["UDP", "TCP"].every((protocol) => rule.ports?.some((port: Any) => port.port === 53 && port.protocol === protocol)),
          ),
      );
    expect(pods().filter((pod) => !allowsDns(pod)).map((pod) => id(pod.owner))).toEqual([]);
  });

  it("lets each client reach its servers: egress from one side and ingress on the other", () => {
    const policies = ofKind("NetworkPolicy").map((p) => p.spec as Any);
    const byComponent = (component: string) => pods().find((pod) => pod.labels["app.kubernetes.io/component"] === component)!;
    const allowed = (direction: "ingress" | "egress", from: PodTemplate, to: PodTemplate, port: number) =>
      policies.some(
        (spec) =>
          matches(spec.podSelector, direction === "egress" ? from.labels : to.labels) &&
          (spec[direction] ?? []).some(
            (rule: Any) =>
              (rule.ports ?? []).some((p: Any) => p.port === port) &&
              (!(rule.from ?? rule.to) ||
                (rule.from ?? rule.to).some((peer: Any) => peer.podSelector && matches(peer.podSelector, direction === "egress" ? to.labels : from.labels))),
          ),
      );
    const flows: [string, string, number][] = [
      ["web", "database", 5432],
      ["web", "queue", 6379],
      ["consumer", "database", 5432],
      ["consumer", "queue", 6379],
      ["migrate", "database", 5432],
      ["backup", "database", 5432],
    ];
    const blocked = flows.filter(
      ([from, to, port]) =>
        !allowed("egress", byComponent(from), byComponent(to), port) || !allowed("ingress", byComponent(from), byComponent(to), port),
    );
    expect(blocked).toEqual([]);
  });

  it("defines every ConfigMap and Secret that something references", () => {
    const defined = new Set([
      ...objects().filter((o) => o.kind === "ConfigMap" || o.kind === "Secret").map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
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
      for (const tls of (ingress.spec as Any).tls ?? []) referenced.add(`Secret/${ingress.metadata.namespace}/${tls.secretName}`);
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
          return ref.key in data(kind, pod.namespace, ref.name) ? [] : [`${id(pod.owner)}: ${kind} ${ref.name} has no ${ref.key}`];
        }),
      ),
    );
    expect(missing).toEqual([]);
  });

  it("pins every image to a tag other than latest", () => {
    const images = pods().flatMap((pod) => containersOf(pod).map(({ container }) => container.image as string));
    expect(images.filter((image) => [undefined, "latest"].includes(imageTag(image)))).toEqual([]);
  });

  it("runs one image for web, consumer and migrate, and reports its tag as APP_VERSION", () => {
    const all = pods();
    const appContainers = all.flatMap((pod) =>
      containersOf(pod)
        .filter(({ container }) => (container.command ?? []).join(" ").startsWith("npm run"))
        .map(({ container }) => ({ pod, container })),
    );
    expect(appContainers.map(({ container }) => container.command.join(" ")).sort()).toEqual(
      expect.arrayContaining(["npm run migrate", "npm run start:consumer", "npm run start:web"]),
    );
    const versions = appContainers.map(({ pod, container }) => {
      const own = container.env?.find((v: Any) => v.name === "APP_VERSION")?.value;
      const fromConfig = (container.envFrom ?? [])
        .map((source: Any) => source.configMapRef && (find("ConfigMap", pod.namespace, source.configMapRef.name) as Any)?.data?.APP_VERSION)
        .find(Boolean);
      return { where: `${id(pod.owner)} ${container.name}`, tag: imageTag(container.image), version: own ?? fromConfig };
    });
    expect(versions.filter(({ tag, version }) => tag !== version)).toEqual([]);
    const stable = appContainers.filter(({ pod }) => pod.labels.version !== "canary").map(({ container }) => container.image);
    expect(new Set(stable).size).toBe(1);
  });

  it("has HorizontalPodAutoscalers that can scale (min < max) a Deployment that leaves replicas to them", () => {
    const hpas = ofKind("HorizontalPodAutoscaler").map((h) => ({ name: id(h), spec: h.spec as Any, ns: h.metadata.namespace! }));
    expect(hpas.map((h) => h.spec.scaleTargetRef.name).sort()).toEqual(["vote-consumer", "vote-web"]);
    for (const { name, spec, ns } of hpas) {
      expect(spec.minReplicas, name).toBeLessThan(spec.maxReplicas);
      expect(spec.minReplicas, name).toBeGreaterThanOrEqual(1);
      expect(spec.metrics.map((m: Any) => m.resource?.name).sort(), name).toEqual(["cpu", "memory"]);
      const target = find(spec.scaleTargetRef.kind, ns, spec.scaleTargetRef.name) as Any;
      expect(target, name).toBeDefined();
      expect(target.spec.replicas, `${name}: the Deployment sets replicas`).toBeUndefined();
    }
  });

  it("rolls Deployments without losing capacity, spreads their replicas and guards them with disruption budgets", () => {
    for (const deployment of ofKind("Deployment")) {
      const spec = deployment.spec as Any;
      expect(spec.strategy?.rollingUpdate?.maxUnavailable, id(deployment)).toBe(0);
      expect(spec.template.spec.topologySpreadConstraints?.[0]?.topologyKey, id(deployment)).toBe("kubernetes.io/hostname");
    }
    const budgets = ofKind("PodDisruptionBudget");
    for (const name of ["vote-web", "vote-consumer"]) {
      const deployment = find("Deployment", "vote", name) as Any;
      expect(
        budgets.some((b) => matches((b.spec as Any).selector, deployment.spec.template.metadata.labels)),
        `${name} has a PodDisruptionBudget`,
      ).toBe(true);
    }
    for (const budget of budgets) expect(selects(pods(), budget.metadata.namespace!, (budget.spec as Any).selector).length).toBeGreaterThan(0);
  });

  it("keeps PostgreSQL and Redis in StatefulSets with volume claims; Redis appends to disk", () => {
    for (const name of ["db", "redis"]) {
      const set = find("StatefulSet", "vote", name) as Any;
      expect(set?.spec.volumeClaimTemplates?.[0]?.spec.accessModes, name).toEqual(["ReadWriteOnce"]);
    }
    const redis = (find("StatefulSet", "vote", "redis") as Any).spec.template.spec.containers.find((c: Any) => c.name === "redis");
    expect(redis.args.join(" ")).toMatch(/--appendonly yes/);
    expect(redis.args.join(" ")).toMatch(/--maxmemory-policy noeviction/);
    const postgres = (find("StatefulSet", "vote", "db") as Any).spec.template.spec.containers.find((c: Any) => c.name === "postgres");
    const pgdata = postgres.env.find((v: Any) => v.name === "PGDATA").value as string;
    const mount = postgres.volumeMounts.find((m: Any) => m.name === "data").mountPath as string;
    expect(pgdata.startsWith(`${mount}/`)).toBe(true);
    const kinds = objects().filter((o) => o.kind === "Deployment").map((o) => o.metadata.name);
    expect(kinds).not.toContain("db");
    expect(kinds).not.toContain("redis");
  });

  it("gives the web pods time to drain after readiness fails", () => {
    const web = find("Deployment", "vote", "vote-web") as Any;
    const config = find("ConfigMap", "vote", web.spec.template.spec.containers[0].envFrom[0].configMapRef.name) as Any;
    const delaySeconds = Number(config.data.SHUTDOWN_DELAY_MS) / 1000;
    expect(delaySeconds).toBeGreaterThanOrEqual(3);
    expect(web.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThan(delaySeconds + 10);
  });

  it("labels every object with app.kubernetes.io/* and every pod with its name and component", () => {
    const unlabelled = objects()
      .filter((o) => !["app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"].every((l) => o.metadata.labels?.[l]))
      .map(id);
    expect(unlabelled).toEqual([]);
    const pods_ = pods().filter((pod) => !pod.labels["app.kubernetes.io/name"] || !pod.labels["app.kubernetes.io/component"]);
    expect(pods_.map((pod) => id(pod.owner))).toEqual([]);
  });

  it("puts namespaced objects in a namespace and cluster-scoped ones in none", () => {
    const wrong = objects().filter((o) => CLUSTER_SCOPED.has(o.kind) === Boolean(o.metadata.namespace)).map(id);
    expect(wrong).toEqual([]);
  });

  it("backs up with a labelled CronJob that never overlaps itself, and keeps restore a suspended template", () => {
    const backup = find("CronJob", "vote", "db-backup") as Any;
    expect(backup.spec.concurrencyPolicy).toBe("Forbid");
    expect(backup.spec.suspend).toBe(false);
    expect(backup.spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(["sh", "/scripts/backup.sh"]);
    const restore = find("CronJob", "vote", "db-restore") as Any;
    expect(restore.spec.suspend).toBe(true);
    expect(restore.spec.jobTemplate.spec.template.spec.containers[0].command).toEqual(["sh", "/scripts/restore.sh"]);
    const scripts = find("ConfigMap", "vote", backup.spec.jobTemplate.spec.template.spec.volumes.find((v: Any) => v.name === "scripts").configMap.name) as Any;
    expect(scripts.data["backup.sh"]).toBe(readFileSync(join(ROOT, "k8s/components/backup/backup.sh"), "utf8"));
    expect(scripts.data["restore.sh"]).toBe(readFileSync(join(ROOT, "k8s/components/backup/restore.sh"), "utf8"));
  });

  it("routes the app's public paths through the Ingress to Services and ports that exist", () => {
    const [ingress] = ofKind("Ingress") as Any[];
    const rule = ingress.spec.rules[0];
    expect(ingress.spec.tls[0].hosts).toContain(rule.host);
    const certificate = ofKind("Certificate")[0] as Any;
    expect(certificate.spec.dnsNames).toContain(rule.host);
    const paths = Object.fromEntries(rule.http.paths.map((p: Any) => [p.path, p.backend.service.name]));
    for (const path of ["/", "/vote", "/result", "/api", "/static"]) expect(paths[path], path).toBe("vote-web");
    for (const p of rule.http.paths) {
      const service = find("Service", ingress.metadata.namespace, p.backend.service.name) as Any;
      expect(service, p.path).toBeDefined();
      expect(service.spec.ports.map((port: Any) => port.name), p.path).toContain(p.backend.service.port.name);
    }
    const issuer = certificate.spec.issuerRef;
    expect(find(issuer.kind, "", issuer.name), "the Certificate's issuer").toBeDefined();
  });

  it("scrapes through ServiceMonitors that select Services with the named port", () => {
    const monitors = ofKind("ServiceMonitor") as Any[];
    expect(monitors.length).toBeGreaterThanOrEqual(4);
    for (const monitor of monitors) {
      const services = ofKind("Service").filter(
        (s) => s.metadata.namespace === monitor.metadata.namespace && matches(monitor.spec.selector, s.metadata.labels ?? {}),
      ) as Any[];
      expect(services.length, monitor.metadata.name).toBeGreaterThan(0);
      for (const endpoint of monitor.spec.endpoints) {
        expect(services.every((s) => s.spec.ports.some((p: Any) => p.name === endpoint.port)), `${monitor.metadata.name} ${endpoint.port}`).toBe(true);
      }
    }
    const rule = ofKind("PrometheusRule")[0] as Any;
    const alerts = rule.spec.groups.flatMap((g: Any) => g.rules.map((r: Any) => r.alert));
    expect(alerts).toEqual(expect.arrayContaining(["VoteConsumerRestarting", "VoteQueueBacklogGrowing", "VoteHighErrorRate", "VoteDatabaseDown"]));
    const dashboard = objects().find((o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1") as Any;
    const json = JSON.parse(Object.values(dashboard.data)[0] as string);
    const exprs = json.panels.flatMap((p: Any) => p.targets.map((t: Any) => t.expr)).join("\n");
    for (const metric of ["http_requests_total", "http_response_time_seconds_bucket", "votes_processed_total", "vote_stream_backlog"]) {
      expect(exprs).toContain(metric);
    }
    expect(exprs).toMatch(/sum by \(version\)/);
  });
});

describe.skipIf(kubectlMissing)("the canary in the minikube overlay", () => {
  it("is a second consumer Deployment, labelled version: canary, with its own image and version", () => {
    const objects = rendered.get("minikube") ?? [];
    const deployments = objects.filter((o) => o.kind === "Deployment") as Any[];
    const stable = deployments.find((d) => d.metadata.name === "vote-consumer");
    const canary = deployments.find((d) => d.spec.template.metadata.labels.version === "canary");
    expect(canary.spec.template.metadata.labels["app.kubernetes.io/component"]).toBe("consumer");
    expect(canary.spec.replicas).toBeGreaterThanOrEqual(1);
    expect(canary.spec.template.spec.containers[0].command).toEqual(["npm", "run", "start:consumer"]);
    expect(canary.spec.template.spec.containers[0].image).not.toBe(stable.spec.template.spec.containers[0].image);
    expect(matches(stable.spec.selector, canary.spec.template.metadata.labels)).toBe(false);
  });
});

describe("secrets", () => {
  it("are generated from git-ignored secrets.env files, with an example beside each", () => {
    const tracked = execFileSync("git", ["ls-files", "k8s"], { cwd: ROOT, encoding: "utf8" }).split("\n");
    expect(tracked.filter((file) => file.endsWith("/secrets.env"))).toEqual([]);
    for (const overlay of OVERLAYS) {
      const kustomization = readFileSync(join(ROOT, "k8s/overlays", overlay, "kustomization.yaml"), "utf8");
      expect(kustomization).toMatch(/secretGenerator:[\s\S]*- secrets\.env/);
      const ignored = execFileSync("git", ["check-ignore", `k8s/overlays/${overlay}/secrets.env`], { cwd: ROOT, encoding: "utf8" });
      expect(ignored.trim()).toBe(`k8s/overlays/${overlay}/secrets.env`);
      const example = readFileSync(join(ROOT, "k8s/overlays", overlay, "secrets.env.example"), "utf8");
      for (const key of ["POSTGRES_PASSWORD", "REDIS_PASSWORD", "COOKIE_SECRET"]) {
        // The passwords land in connection URLs unescaped.
        expect(example).toMatch(new RegExp(`^${key}=[A-Za-z0-9._~-]{16,}$`, "m"));
      }
    }
  });

  it("never appear in a committed manifest", () => {
    const files = execFileSync("git", ["ls-files", "k8s"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter((f) => /\.ya?ml$/.test(f));
    for (const file of files) {
      const text = readFileSync(join(ROOT, file), "utf8");
      expect(text, file).not.toMatch(/^kind: Secret$/m);
      expect(text, file).not.toMatch(/PASSWORD\s*[:=]\s*["']?[A-Za-z0-9]/);
    }
  });
});
