import { spawnSync } from "node:child_process";
import type { KubeObject } from "./schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: rendered manifests are plain JSON.
export type Any = any;

export const CLUSTER_SCOPED = new Set([
  "Namespace",
  "ClusterIssuer",
  "GatewayClass",
  "ClusterRole",
  "ClusterRoleBinding",
  "PersistentVolume",
  "StorageClass",
]);
export const LONG_RUNNING = new Set(["Deployment", "StatefulSet", "DaemonSet"]);
/** Pods that something other than these manifests creates, selected by policies on purpose. */
export const EXTERNAL_PODS = [{ "acme.cert-manager.io/http01-solver": "true" }];

export interface PodTemplate {
  owner: KubeObject;
  namespace: string;
  labels: Record<string, string>;
  spec: Any;
}

export function podTemplates(objects: KubeObject[]): PodTemplate[] {
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

export function containersOf(pod: PodTemplate): { container: Any; init: boolean }[] {
  return [
    ...(pod.spec.initContainers ?? []).map((container: Any) => ({ container, init: true })),
    ...pod.spec.containers.map((container: Any) => ({ container, init: false })),
  ];
}

export function matches(selector: Any, labels: Record<string, string>): boolean {
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
export function selects(pods: PodTemplate[], namespace: string, selector: Any): PodTemplate[] {
  return pods.filter((pod) => pod.namespace === namespace && matches(selector, pod.labels));
}

export function imageTag(image: string): string | undefined {
  if (image.includes("@sha256:")) return "digest";
  const last = image.split("/").at(-1)!;
  return last.includes(":") ? last.split(":").at(-1) : undefined;
}

/** The app's own image (stable or canary), wherever an overlay's `images:` moves it. */
export function isAppImage(image: string): boolean {
  return /^edge-voting-app(-canary)?(:|@|$)/.test(image.split("/").at(-1)!);
}

/** What Pod Security's `restricted` profile (and this repo's house style) requires of one container. */
export function restrictedProblems(podSpec: Any, container: Any, where: string): string[] {
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
export function expand(value: string, container: Any): string {
  return value.replace(
    /\$\((\w+)\)/g,
    (whole, name) => container.env?.find((v: Any) => v.name === name)?.value ?? whole,
  );
}

/** Bytes in a Redis memory setting (`160mb`, `1gb`, `100m`, bytes). */
export function redisBytes(value: string): number {
  const match = /^(\d+)(k|kb|m|mb|g|gb)?$/i.exec(value.trim());
  if (!match) throw new Error(`not a Redis memory size: ${value}`);
  const units: Record<string, number> = { k: 1e3, kb: 1024, m: 1e6, mb: 1024 ** 2, g: 1e9, gb: 1024 ** 3 };
  return Number(match[1]) * (match[2] ? units[match[2].toLowerCase()]! : 1);
}

/** Bytes in a Kubernetes memory quantity (`256Mi`, `1Gi`, `512M`). */
export function quantityBytes(value: string): number {
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
export function redisOf(objects: KubeObject[]): {
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

/** Lookups over one overlay's rendered objects. */
export function overlayView(rendered: Map<string, KubeObject[]>, overlay: string) {
  const objects = () => rendered.get(overlay) ?? [];
  return {
    objects,
    pods: () => podTemplates(objects()),
    ofKind: (kind: string) => objects().filter((object) => object.kind === kind),
    find: (kind: string, namespace: string, name: string) =>
      objects().find((o) => o.kind === kind && o.metadata.name === name && (o.metadata.namespace ?? "") === namespace),
  };
}

/** Why a tool the next tests need can't run here (printed once), or undefined when it can. */
export function toolMissing(tool: string, why: string): string | undefined {
  const probe = spawnSync(tool, ["--version"], { encoding: "utf8" });
  if (!probe.error && probe.status === 0) return undefined;
  console.warn(`[k8s] skipping: ${tool} is not installed: ${why}`);
  return `${tool} is not installed`;
}
