import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type Any,
  CLUSTER_SCOPED,
  containersOf,
  imageTag,
  isAppImage,
  LONG_RUNNING,
  matches,
  overlayView,
  restrictedProblems,
  selects,
} from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, ROOT, renderOverlays } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: workloads", (overlay) => {
  const { objects, pods, ofKind, find } = overlayView(rendered, overlay);

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

  it("migrates as the owner role in an init container of every consumer pod, with the pod's own image, then grants (no Job)", () => {
    // A Job's pod template is immutable: a changed ConfigMap or Secret name would make `kubectl apply` fail on it.
    expect(ofKind("Job").map(id)).toEqual([]);
    expect(
      ofKind("CronJob")
        .filter((c) => isAppImage((c.spec as Any).jobTemplate.spec.template.spec.containers[0].image))
        .map(id),
    ).toEqual([]);
    const consumers = pods().filter((pod) => pod.labels["app.kubernetes.io/component"] === "consumer");
    expect(consumers.length).toBeGreaterThanOrEqual(1);
    const user = (container: Any) => new URL(container.env.find((v: Any) => v.name === "DATABASE_URL").value).username;
    for (const pod of consumers) {
      const where = id(pod.owner);
      const init: Any[] = pod.spec.initContainers ?? [];
      const step = (test: (command: string) => boolean) =>
        init.findIndex((c) => test([...(c.command ?? []), ...(c.args ?? [])].join(" ")));
      const wait = step((command) => command.includes("pg_isready"));
      const migrate = step((command) => /^node (.+ )?dist\/node\/migrate\.js$/.test(command));
      const grant = step((command) => /^psql .*--file=\S*grants\.sql$/.test(command));
      expect(
        [wait, migrate, grant].every((i) => i >= 0),
        `${where}: wait, migrate, grant`,
      ).toBe(true);
      expect(wait < migrate && migrate < grant, `${where}: in that order`).toBe(true);
      expect(init[migrate].image, where).toBe(pod.spec.containers[0].image);
      expect(user(init[migrate]), where).toMatch(/_owner$/);
      expect(new URL(init[grant].command[1].replace(/\$\(\w+\)/g, "x")).username, where).toBe(user(init[migrate]));
      expect(user(pod.spec.containers[0]), where).toMatch(/_consumer$/);
      expect(
        init[migrate].volumeMounts?.map((m: Any) => m.mountPath),
        where,
      ).toContain("/tmp");
    }
  });

  it("starts web pods without PostgreSQL: no init container, and readiness that asks the web process (Redis only)", () => {
    const web = pods().filter((pod) => pod.labels["app.kubernetes.io/component"] === "web");
    expect(web.length).toBe(1);
    for (const pod of web) {
      expect(pod.spec.initContainers ?? [], id(pod.owner)).toEqual([]);
      expect(pod.spec.containers[0].readinessProbe.httpGet.path).toBe("/readyz");
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
