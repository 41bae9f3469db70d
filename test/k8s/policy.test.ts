import { type ChildProcess, execFileSync, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@redis/client";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { freePort } from "../helpers/ports.ts";
import { id, kubectlMissing, OVERLAYS, README, ROOT, readmeSection, renderOverlays, shellCommands } from "./render.ts";
import { type KubeObject, validateObject } from "./schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are plain JSON.
type Any = any;

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterIssuer",
  "ClusterRole",
  "ClusterRoleBinding",
  "PersistentVolume",
  "StorageClass",
]);
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
    return [
      {
        owner: object,
        namespace: object.metadata.namespace ?? "",
        labels: template.metadata?.labels ?? {},
        spec: template.spec,
      },
    ];
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

/** The app's own image (stable or canary), wherever an overlay's `images:` moves it. */
function isAppImage(image: string): boolean {
  return /^edge-voting-app(-canary)?(:|@|$)/.test(image.split("/").at(-1)!);
}

/** What Pod Security's `restricted` profile (and this repo's house style) requires of one container. */
function restrictedProblems(podSpec: Any, container: Any, where: string): string[] {
  const sc = container.securityContext ?? {};
  const podSc = podSpec.securityContext ?? {};
  const found: string[] = [];
  if ((sc.runAsNonRoot ?? podSc.runAsNonRoot) !== true) found.push(`${where}: runAsNonRoot`);
  if ((sc.runAsUser ?? podSc.runAsUser) === 0) found.push(`${where}: runAsUser 0`);
  if ((sc.seccompProfile ?? podSc.seccompProfile)?.type !== "RuntimeDefault") found.push(`${where}: seccomp`);
  if (sc.allowPrivilegeEscalation !== false) found.push(`${where}: allowPrivilegeEscalation`);
  if (sc.readOnlyRootFilesystem !== true) found.push(`${where}: readOnlyRootFilesystem`);
  if (!sc.capabilities?.drop?.includes("ALL")) found.push(`${where}: capabilities.drop ALL`);
  if (sc.privileged || sc.capabilities?.add?.length) found.push(`${where}: privileged or added capabilities`);
  return found;
}

/** Kubernetes' `$(VAR)` expansion of a container argument, from the container's literal env values. */
function expand(value: string, container: Any): string {
  return value.replace(
    /\$\((\w+)\)/g,
    (whole, name) => container.env?.find((v: Any) => v.name === name)?.value ?? whole,
  );
}

/** Bytes in a Redis memory setting (`160mb`, `1gb`, `100m`, bytes). */
function redisBytes(value: string): number {
  const match = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(value.trim());
  if (!match) throw new Error(`not a Redis memory size: ${value}`);
  const units: Record<string, number> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(match[1]) * (match[2] ? units[match[2].toLowerCase()]! : 1);
}

/** Bytes in a Kubernetes memory quantity (`256Mi`, `1Gi`, `512M`). */
function quantityBytes(value: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(value));
  if (!match) throw new Error(`not a memory quantity: ${value}`);
  const units: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Number(match[1]) * (match[2] ? units[match[2]]! : 1);
}

/** The redis container of the redis StatefulSet, with its effective maxmemory and memory limit. */
function redisOf(objects: KubeObject[]): {
  container: Any;
  args: string[];
  maxmemory: number;
  limit: number;
  request: number;
} {
  const set = objects.find((o) => o.kind === "StatefulSet" && o.metadata.name === "redis") as Any;
  const container = set.spec.template.spec.containers.find((c: Any) => c.name === "redis");
  const args = (container.args as string[]).map((arg) => expand(arg, container));
  const at = args.indexOf("--maxmemory");
  return {
    container,
    args,
    maxmemory: at < 0 ? 0 : redisBytes(args[at + 1]!),
    limit: quantityBytes(container.resources.limits.memory),
    request: quantityBytes(container.resources.requests.memory),
  };
}

const readme = readFileSync(README, "utf8");

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
        .filter(
          ({ container: c }) => !["requests", "limits"].every((k) => c.resources?.[k]?.cpu && c.resources?.[k]?.memory),
        )
        .map(({ container: c }) => `${id(pod.owner)} ${c.name}`),
    );
    expect(missing).toEqual([]);
  });

  it("runs every container under the restricted security context", () => {
    const problems = pods().flatMap((pod) =>
      containersOf(pod).flatMap(({ container: c }) => restrictedProblems(pod.spec, c, `${id(pod.owner)} ${c.name}`)),
    );
    expect(problems).toEqual([]);
  });

  it("gives every pod a defined ServiceAccount and no API token", () => {
    const problems = pods().flatMap((pod) => {
      const account = pod.spec.serviceAccountName;
      const found: string[] = [];
      if (!account || !find("ServiceAccount", pod.namespace, account))
        found.push(`${id(pod.owner)}: ServiceAccount ${account}`);
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
      pods().find((pod) => pod.labels["app.kubernetes.io/component"] === component)!;
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
    ];
    const blocked = flows.filter(
      ([from, to, port]) =>
        !allowed("egress", byComponent(from), byComponent(to), port) ||
        !allowed("ingress", byComponent(from), byComponent(to), port),
    );
    expect(blocked).toEqual([]);
  });

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

  it("pins every image to a tag other than latest", () => {
    const images = pods().flatMap((pod) => containersOf(pod).map(({ container }) => container.image as string));
    expect(images.filter((image) => [undefined, "latest"].includes(imageTag(image)))).toEqual([]);
  });

  it("runs one image for web, consumer and their migrations, and reports its tag as APP_VERSION", () => {
    const all = pods();
    const appContainers = all.flatMap((pod) =>
      containersOf(pod)
        .filter(({ container }) => isAppImage(container.image))
        .map(({ container }) => ({ pod, container })),
    );
    const components = new Set(appContainers.map(({ pod }) => pod.labels["app.kubernetes.io/component"]));
    expect([...components].sort()).toEqual(["consumer", "web"]);
    const versions = appContainers.map(({ pod, container }) => {
      const own = container.env?.find((v: Any) => v.name === "APP_VERSION")?.value;
      const fromConfig = (container.envFrom ?? [])
        .map(
          (source: Any) =>
            source.configMapRef &&
            (find("ConfigMap", pod.namespace, source.configMapRef.name) as Any)?.data?.APP_VERSION,
        )
        .find(Boolean);
      return {
        where: `${id(pod.owner)} ${container.name}`,
        tag: imageTag(container.image),
        version: own ?? fromConfig,
      };
    });
    expect(versions.filter(({ tag, version }) => tag !== version)).toEqual([]);
    const stable = appContainers
      .filter(({ pod }) => pod.labels.version !== "canary")
      .map(({ container }) => container.image);
    expect(new Set(stable).size).toBe(1);
  });

  it("migrates in an init container of every app pod, with the pod's own image, once PostgreSQL answers (no Job)", () => {
    // A Job's pod template is immutable: a changed ConfigMap or Secret name would make `kubectl apply` fail on it.
    expect(ofKind("Job").map(id)).toEqual([]);
    expect(
      ofKind("CronJob")
        .filter((c) => isAppImage((c.spec as Any).jobTemplate.spec.template.spec.containers[0].image))
        .map(id),
    ).toEqual([]);
    const appPods = pods().filter((pod) => pod.spec.containers.some((c: Any) => isAppImage(c.image)));
    expect(appPods.length).toBeGreaterThanOrEqual(2);
    for (const pod of appPods) {
      const where = id(pod.owner);
      const init: Any[] = pod.spec.initContainers ?? [];
      const migrate = init.findIndex((c) =>
        /^node (.+ )?dist\/node\/migrate\.js$/.test([...(c.command ?? []), ...(c.args ?? [])].join(" ")),
      );
      expect(migrate, `${where}: a migrate init container`).toBeGreaterThanOrEqual(0);
      expect(init[migrate].image, where).toBe(pod.spec.containers[0].image);
      expect(init[migrate].env.find((v: Any) => v.name === "DATABASE_URL")?.value, where).toBe(
        pod.spec.containers[0].env.find((v: Any) => v.name === "DATABASE_URL")?.value,
      );
      const wait = init.findIndex((c) => (c.command ?? []).join(" ").includes("pg_isready"));
      expect(wait, `${where}: waits for PostgreSQL before migrating`).toBeGreaterThanOrEqual(0);
      expect(wait, where).toBeLessThan(migrate);
      expect(
        init[migrate].volumeMounts?.map((m: Any) => m.mountPath),
        where,
      ).toContain("/tmp");
    }
  });

  it("has HorizontalPodAutoscalers that can scale (min < max) a Deployment that leaves replicas to them", () => {
    const hpas = ofKind("HorizontalPodAutoscaler").map((h) => ({
      name: id(h),
      spec: h.spec as Any,
      ns: h.metadata.namespace!,
    }));
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
      expect(spec.template.spec.topologySpreadConstraints?.[0]?.topologyKey, id(deployment)).toBe(
        "kubernetes.io/hostname",
      );
    }
    const budgets = ofKind("PodDisruptionBudget");
    for (const name of ["vote-web", "vote-consumer"]) {
      const deployment = find("Deployment", "vote", name) as Any;
      expect(
        budgets.some((b) => matches((b.spec as Any).selector, deployment.spec.template.metadata.labels)),
        `${name} has a PodDisruptionBudget`,
      ).toBe(true);
    }
    for (const budget of budgets)
      expect(selects(pods(), budget.metadata.namespace!, (budget.spec as Any).selector).length).toBeGreaterThan(0);
  });

  it("lets an unready pod be evicted, so no disruption budget can block a node drain", () => {
    const budgets = ofKind("PodDisruptionBudget").map((b) => ({ name: id(b), spec: b.spec as Any }));
    expect(budgets.length).toBeGreaterThanOrEqual(2);
    for (const { name, spec } of budgets) {
      expect(spec.unhealthyPodEvictionPolicy, name).toBe("AlwaysAllow");
      expect(spec.maxUnavailable, name).toBeGreaterThanOrEqual(1);
      expect(spec.minAvailable, name).toBeUndefined();
    }
  });

  it("keeps PostgreSQL and Redis in StatefulSets with volume claims; Redis appends to disk", () => {
    for (const name of ["db", "redis"]) {
      const set = find("StatefulSet", "vote", name) as Any;
      expect(set?.spec.volumeClaimTemplates?.[0]?.spec.accessModes, name).toEqual(["ReadWriteOnce"]);
    }
    const redis = redisOf(objects());
    expect(redis.args.join(" ")).toMatch(/--appendonly yes/);
    const postgres = (find("StatefulSet", "vote", "db") as Any).spec.template.spec.containers.find(
      (c: Any) => c.name === "postgres",
    );
    const pgdata = postgres.env.find((v: Any) => v.name === "PGDATA").value as string;
    const mount = postgres.volumeMounts.find((m: Any) => m.name === "data").mountPath as string;
    expect(pgdata.startsWith(`${mount}/`)).toBe(true);
    const kinds = objects()
      .filter((o) => o.kind === "Deployment")
      .map((o) => o.metadata.name);
    expect(kinds).not.toContain("db");
    expect(kinds).not.toContain("redis");
  });

  it("bounds Redis with maxmemory well below its memory limit, and never evicts (a full Redis refuses writes)", () => {
    const redis = redisOf(objects());
    expect(redis.args.join(" ")).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.maxmemory, "maxmemory is set").toBeGreaterThan(0);
    // The rest of the limit is for fragmentation, the process and the copy-on-write of a forked AOF rewrite.
    expect(redis.maxmemory / redis.limit).toBeLessThanOrEqual(0.65);
    expect(redis.maxmemory / redis.limit).toBeGreaterThanOrEqual(0.4);
    expect(redis.request, "memory request = limit: not the first pod evicted when full").toBe(redis.limit);
    const config = ofKind("ConfigMap").find((c) => c.metadata.name.startsWith("vote-config")) as Any;
    expect(Number(config.data.VOTER_STATE_TTL_SECONDS), "voter state expires").toBeGreaterThan(0);
    expect(config.data.VOTER_STATE_TTL_SECONDS).toMatch(/^\d+$/);
  });

  it("trusts X-Forwarded-For only where every path to the web pods runs through the ingress", () => {
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
    // Rules that admit traffic to the web port: open ones (no `from`) let any pod in the cluster forge the header.
    const openRules = ofKind("NetworkPolicy")
      .filter((p) => matches((p.spec as Any).podSelector, webLabels))
      .flatMap((p) => ((p.spec as Any).ingress ?? []).map((rule: Any) => ({ policy: id(p), rule })))
      .filter(({ rule }) => (rule.ports ?? []).some((port: Any) => port.port === 8080) || !rule.ports)
      .filter(({ rule }) => !rule.from || rule.from.some((peer: Any) => !peer.namespaceSelector || peer.podSelector));
    if (Number(hops) > 0) {
      expect(ofKind("Ingress").length, "a proxy to trust").toBeGreaterThan(0);
      expect(bypass.map(id), "no Service reaches the web pods around the ingress").toEqual([]);
      expect(
        openRules.map(({ policy }) => policy),
        "only named namespaces reach the web port",
      ).toEqual([]);
    } else {
      // Hops stay 0 only where the ingress can be bypassed: otherwise every client would share the controller's address.
      expect(
        ofKind("Ingress").length === 0 || bypass.length > 0 || openRules.length > 0,
        "an ingress-only overlay trusts its proxy",
      ).toBe(true);
    }
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
      .filter(
        (o) =>
          !["app.kubernetes.io/name", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"].every(
            (l) => o.metadata.labels?.[l],
          ),
      )
      .map(id);
    expect(unlabelled).toEqual([]);
    const pods_ = pods().filter(
      (pod) => !pod.labels["app.kubernetes.io/name"] || !pod.labels["app.kubernetes.io/component"],
    );
    expect(pods_.map((pod) => id(pod.owner))).toEqual([]);
  });

  it("puts namespaced objects in a namespace and cluster-scoped ones in none", () => {
    const wrong = objects()
      .filter((o) => CLUSTER_SCOPED.has(o.kind) === Boolean(o.metadata.namespace))
      .map(id);
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
    const scripts = find(
      "ConfigMap",
      "vote",
      backup.spec.jobTemplate.spec.template.spec.volumes.find((v: Any) => v.name === "scripts").configMap.name,
    ) as Any;
    expect(scripts.data["backup.sh"]).toBe(readFileSync(join(ROOT, "k8s/components/backup/backup.sh"), "utf8"));
    expect(scripts.data["restore.sh"]).toBe(readFileSync(join(ROOT, "k8s/components/backup/restore.sh"), "utf8"));
  });

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

  it("logs Grafana in with an admin Secret of its own (not the chart's default), the one the README's install names", () => {
    const secret = find("Secret", "monitoring", "grafana-admin") as Any;
    expect(secret, "Secret monitoring/grafana-admin").toBeDefined();
    const data = Object.fromEntries(
      Object.entries(secret.data).map(([k, v]) => [k, Buffer.from(v as string, "base64").toString()]),
    );
    expect(Object.keys(data).sort()).toEqual(["admin-password", "admin-user"]);
    expect(data["admin-password"]).not.toBe("prom-operator");
    expect(data["admin-password"]!.length).toBeGreaterThanOrEqual(16);
    const install = shellCommands(readme).find((c) => c.startsWith("helm install kube-prometheus-stack"))!;
    expect(install).toContain(`grafana.admin.existingSecret=${secret.metadata.name}`);
  });

  it('points Grafana\'s Loki data source and the log shipper at Loki inside the cluster, labelled so {app="vote"} finds the app', () => {
    const configMap = (name: string) => find("ConfigMap", "monitoring", name) as Any;
    const datasources = parseYaml(configMap("vote-loki-datasource").data["loki-datasource.yaml"]).datasources as Any[];
    const loki = datasources.find((d) => d.type === "loki");
    const lokiUrl = new URL(loki.url);
    expect(lokiUrl.hostname).toMatch(/\.svc\.cluster\.local$/);
    expect(configMap("vote-loki-datasource").metadata.labels.grafana_datasource).toBe("1");
    const alloy = configMap("vote-alloy").data["config.alloy"] as string;
    const push = new URL(/url\s*=\s*"([^"]+)"/.exec(alloy)![1]!);
    expect(push.host).toBe(lokiUrl.host);
    expect(push.pathname).toBe("/loki/api/v1/push");
    expect(alloy).toMatch(
      /source_labels = \["__meta_kubernetes_pod_label_app_kubernetes_io_name"\]\s*target_label\s*=\s*"app"/,
    );
    const app = pods().filter((pod) => pod.labels["app.kubernetes.io/component"] === "web")[0]!;
    expect(app.labels["app.kubernetes.io/name"]).toBe("vote");
    const commands = shellCommands(readme);
    expect(commands.find((c) => c.startsWith("helm install alloy"))).toContain("alloy.configMap.name=vote-alloy");
    const lokiInstall = commands.find((c) => c.startsWith("helm install loki"))!;
    expect(lokiInstall).toContain("chunksCache.enabled=false");
    expect(lokiInstall).toContain("resultsCache.enabled=false");
  });

  it("scrapes through ServiceMonitors that select Services with the named port", () => {
    const monitors = ofKind("ServiceMonitor") as Any[];
    expect(monitors.length).toBeGreaterThanOrEqual(4);
    for (const monitor of monitors) {
      const services = ofKind("Service").filter(
        (s) =>
          s.metadata.namespace === monitor.metadata.namespace &&
          matches(monitor.spec.selector, s.metadata.labels ?? {}),
      ) as Any[];
      expect(services.length, monitor.metadata.name).toBeGreaterThan(0);
      for (const endpoint of monitor.spec.endpoints) {
        expect(
          services.every((s) => s.spec.ports.some((p: Any) => p.name === endpoint.port)),
          `${monitor.metadata.name} ${endpoint.port}`,
        ).toBe(true);
      }
    }
    const rule = ofKind("PrometheusRule")[0] as Any;
    const alerts = rule.spec.groups.flatMap((g: Any) => g.rules.map((r: Any) => r.alert));
    expect(alerts).toEqual(
      expect.arrayContaining([
        "VoteConsumerRestarting",
        "VoteQueueBacklogGrowing",
        "VoteHighErrorRate",
        "VoteDatabaseDown",
        "VoteRedisMemoryHigh",
      ]),
    );
    const dashboard = objects().find(
      (o) => o.kind === "ConfigMap" && o.metadata.labels?.grafana_dashboard === "1",
    ) as Any;
    const json = JSON.parse(Object.values(dashboard.data)[0] as string);
    const exprs = json.panels.flatMap((p: Any) => p.targets.map((t: Any) => t.expr)).join("\n");
    for (const metric of [
      "http_requests_total",
      "http_response_time_seconds_bucket",
      "votes_processed_total",
      "vote_stream_backlog",
    ]) {
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
    expect(canary.spec.template.spec.containers[0].command).toEqual(stable.spec.template.spec.containers[0].command);
    expect(canary.spec.template.spec.containers[0].image).not.toBe(stable.spec.template.spec.containers[0].image);
    expect(matches(stable.spec.selector, canary.spec.template.metadata.labels)).toBe(false);
  });
});

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

/** Why a tool the next tests need can't run here, or undefined when it can. */
function missing(tool: string, why: string): string | undefined {
  const probe = spawnSync(tool, ["--version"], { encoding: "utf8" });
  if (!probe.error && probe.status === 0) return undefined;
  console.warn(`[k8s] skipping: ${tool} is not installed: ${why}`);
  return `${tool} is not installed`;
}
const redisServerMissing = missing("redis-server", "the overlays' Redis arguments are not run");
const promtoolMissing = missing("promtool", "the alert rules are not evaluated (Debian: apt-get install prometheus)");

/**
 * redis-server with an overlay's rendered arguments: only the data directory
 * (a temporary one), the password (the Secret's value) and where it listens
 * differ. The local redis-server may be an older 7.x than the image's.
 */
async function startRedis(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "k8s-redis-"));
  const port = await freePort();
  const password = "redis-test-password";
  const own = args.map((arg, i) => (args[i - 1] === "--dir" ? dir : args[i - 1] === "--requirepass" ? password : arg));
  const server: ChildProcess = spawn("redis-server", [...own, "--port", String(port), "--bind", "127.0.0.1"], {
    stdio: "ignore",
  });
  const client = createClient({ url: `redis://127.0.0.1:${port}`, password, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const stop = async () => {
    await client.close().catch(() => {});
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  return { client, server, stop };
}

const started: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of started) await stop();
});

async function refusal(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

// Writes voters and queued votes shaped like the app's, 5,000 a call, until Redis refuses.
const FILL = `
for i = 1, 5000 do
  local n = ARGV[1] * 5000 + i
  redis.call('HSET', 'vote:voter:default:' .. n, 'choice', 'a', 'version', 1764000000000 + n)
  redis.call('XADD', 'vote:votes', '*', 'poll', 'default', 'voter', 'v-' .. n, 'choice', 'a', 'version', 1764000000000 + n, 'castAt', '2026-11-29T22:00:00.000Z')
end
return 5000`;

describe.skipIf(kubectlMissing || redisServerMissing)("Redis, run with the overlays' rendered arguments", () => {
  it.each(OVERLAYS)(
    "%s: takes them, and reports their maxmemory, noeviction and the append-only file",
    async (overlay) => {
      const redis = redisOf(rendered.get(overlay) ?? []);
      const { client, stop } = await startRedis(redis.args);
      started.push(stop);
      const config = await client.configGet("*");
      expect(Number(config.maxmemory)).toBe(redis.maxmemory);
      expect(config["maxmemory-policy"]).toBe("noeviction");
      expect(config.appendonly).toBe("yes");
      await stop();
    },
  );

  it("when full refuses writes with OOM, still serves reads and the consumers' drain, stays under its limit, and takes writes again once drained", async () => {
    // The smallest maxmemory fills fastest; the ratio to the limit is the same everywhere (tested above).
    const redis = OVERLAYS.map((overlay) => redisOf(rendered.get(overlay) ?? [])).sort(
      (a, b) => a.maxmemory - b.maxmemory,
    )[0]!;
    const { client, server, stop } = await startRedis(redis.args);
    started.push(stop);
    await client.sendCommand(["XGROUP", "CREATE", "vote:votes", "consumers", "$", "MKSTREAM"]);

    let refused: string | undefined;
    for (let call = 0; call < 10_000 && !refused; call++) {
      refused = await refusal(() => client.sendCommand(["EVAL", FILL, "0", String(call)]));
    }
    expect(refused).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    expect(await refusal(() => client.set("another", "write"))).toMatch(/^OOM/);
    const info = await client.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(info)![1]);
    expect(used / redis.maxmemory).toBeGreaterThan(0.98);

    // Reads, and everything a consumer does, go on.
    expect(await client.ping()).toBe("PONG");
    expect(await client.hGet("vote:voter:default:1", "choice")).toBe("a");
    const batch = await client.xReadGroup("consumers", "c1", { key: "vote:votes", id: ">" }, { COUNT: 100 });
    const messages = ((batch as Any)?.[0]?.messages ?? []) as { id: string }[];
    const ids = messages.map((entry) => entry.id);
    expect(ids).toHaveLength(100);
    expect(await client.xAck("vote:votes", "consumers", ids)).toBe(100);
    expect(await client.xDel("vote:votes", ids)).toBe(100);

    // Full, the process holds well under the container's limit: the rest is for a forked rewrite's copy-on-write.
    const status = `/proc/${server.pid}/status`;
    if (existsSync(status)) {
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(status, "utf8"))![1]) * 1024;
      expect(rss).toBeLessThan(redis.limit - redis.maxmemory / 4);
    }

    // Once the consumers have drained the stream, votes are taken again.
    await client.sendCommand(["XTRIM", "vote:votes", "MAXLEN", "0"]);
    expect(await client.set("another", "write")).toBe("OK");
    await stop();
  }, 120_000);
});

/** The annotations Prometheus would give `rule` for a ratio `value` (only humanizePercentage is templated). */
function annotationsAt(rule: Any, value: number): Record<string, string> {
  return Object.fromEntries(
    Object.entries(rule.annotations as Record<string, string>).map(([key, text]) => [
      key,
      text.replace(/\{\{ \$value \| humanizePercentage \}\}/g, `${Math.round(value * 100)}%`),
    ]),
  );
}

describe.skipIf(kubectlMissing || promtoolMissing).each(OVERLAYS)(
  "the %s overlay's alert rules, evaluated by promtool",
  (overlay) => {
    const work = () => {
      const dir = mkdtempSync(join(tmpdir(), "k8s-rules-"));
      const rule = (rendered.get(overlay) ?? []).find((o) => o.kind === "PrometheusRule") as Any;
      writeFileSync(join(dir, "rules.yaml"), stringifyYaml({ groups: rule.spec.groups }));
      const rules = rule.spec.groups.flatMap((g: Any) => g.rules) as Any[];
      return { dir, byName: (name: string) => rules.find((r) => r.alert === name) };
    };

    it("are valid Prometheus rules", () => {
      const { dir } = work();
      const check = spawnSync("promtool", ["check", "rules", join(dir, "rules.yaml")], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
      expect(check.stdout + check.stderr).toMatch(/SUCCESS/);
      expect(check.status).toBe(0);
    });

    it("warn at 80% of maxmemory, page at 95%, and never divide by a Redis without maxmemory", () => {
      const { dir, byName } = work();
      const max = redisOf(rendered.get(overlay) ?? []).maxmemory;
      const series = (used: number, maxmemory: number) => [
        { series: 'redis_memory_used_bytes{namespace="vote", pod="redis-0"}', values: `${used}+0x40` },
        { series: 'redis_memory_max_bytes{namespace="vote", pod="redis-0"}', values: `${maxmemory}+0x40` },
      ];
      const none = (alertname: string, at: string) => ({ eval_time: at, alertname, exp_alerts: [] });
      const fires = (alertname: string, at: string, labels: Record<string, string>, value: number) => ({
        eval_time: at,
        alertname,
        exp_alerts: [
          {
            exp_labels: { severity: byName(alertname).labels.severity, ...labels },
            exp_annotations: annotationsAt(byName(alertname), value),
          },
        ],
      });
      const tests = {
        rule_files: ["rules.yaml"],
        evaluation_interval: "1m",
        tests: [
          {
            interval: "1m",
            input_series: series(0.9 * max, max),
            alert_rule_test: [
              none("VoteRedisMemoryHigh", "5m"),
              fires("VoteRedisMemoryHigh", "15m", { pod: "redis-0" }, 0.9),
              none("VoteRedisFull", "15m"),
              none("VoteRedisMaxmemoryUnset", "15m"),
            ],
          },
          {
            interval: "1m",
            input_series: series(0.99 * max, max),
            alert_rule_test: [
              fires("VoteRedisFull", "5m", { pod: "redis-0" }, 0.99),
              fires("VoteRedisMemoryHigh", "15m", { pod: "redis-0" }, 0.99),
            ],
          },
          {
            interval: "1m",
            input_series: series(0.5 * max, max),
            alert_rule_test: ["VoteRedisMemoryHigh", "VoteRedisFull", "VoteRedisMaxmemoryUnset"].map((name) =>
              none(name, "30m"),
            ),
          },
          {
            // No maxmemory: the ratio would be +Inf and fire the memory alerts for nothing.
            interval: "1m",
            input_series: series(500 * 1024 ** 2, 0),
            alert_rule_test: [
              none("VoteRedisMemoryHigh", "20m"),
              none("VoteRedisFull", "20m"),
              fires("VoteRedisMaxmemoryUnset", "10m", {}, 0),
            ],
          },
        ],
      };
      writeFileSync(join(dir, "tests.yaml"), stringifyYaml(tests));
      const run = spawnSync("promtool", ["test", "rules", join(dir, "tests.yaml")], { encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
      expect(run.stdout + run.stderr).toMatch(/SUCCESS/);
      expect(run.status).toBe(0);
    });
  },
);

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
      expect(files, overlay).toEqual(expect.arrayContaining(["secrets.env", "grafana-admin.env"]));
      for (const file of files) {
        const path = `k8s/overlays/${overlay}/${file}`;
        expect(tracked, path).not.toContain(path);
        expect(execFileSync("git", ["check-ignore", path], { cwd: ROOT, encoding: "utf8" }).trim()).toBe(path);
        const example = readFileSync(join(ROOT, `${path}.example`), "utf8");
        expect(example, `${path}.example`).not.toMatch(/dev-only/);
        for (const line of example.split("\n").filter((l) => l && !l.startsWith("#"))) {
          // The passwords land in connection URLs unescaped.
          expect(line, `${path}.example`).toMatch(/^[\w-]+=[A-Za-z0-9._~-]+$/);
        }
      }
      const example = readFileSync(join(ROOT, `k8s/overlays/${overlay}/secrets.env.example`), "utf8");
      for (const key of ["POSTGRES_PASSWORD", "REDIS_PASSWORD", "COOKIE_SECRET"]) {
        expect(example).toMatch(new RegExp(`^${key}=[A-Za-z0-9._~-]{16,}$`, "m"));
      }
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
