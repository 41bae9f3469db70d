import { describe, expect, it } from "vitest";
import { DEFAULTS } from "./app.ts";
import { type Any, containersOf, overlayView, type PodTemplate } from "./objects.ts";
import { id, kubectlMissing, OVERLAYS, renderOverlays } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

/** PostgreSQL's own defaults, for settings the db container doesn't pass. */
const POSTGRES_DEFAULTS = { max_connections: 100, superuser_reserved_connections: 3 };
/** Sessions left for an administrator (psql, a restore by hand) beyond every role's limit. */
const ADMIN_ROOM = 10;
/**
 * Connections one container of a kind opens at most, where no pool setting
 * says: migrate.js holds one for its advisory lock while dbmate opens its own;
 * psql, pg_dump, pg_restore and postgres_exporter one each.
 */
const FIXED = { migrate: 2, client: 1 };

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: PostgreSQL roles and connections", (overlay) => {
  const { objects, pods, ofKind, find } = overlayView(rendered, overlay);
  const rolesConfig = () => (find("ConfigMap", "vote", "db-roles") as Any)?.data?.["roles.env"] as string;
  const setting = (name: string) => new RegExp(`^${name}=(\\S+)$`, "m").exec(rolesConfig())?.[1];
  const prefix = () => setting("DB_ROLE_PREFIX")!;
  const limit = (role: string) => Number(setting(`DB_${role.toUpperCase()}_CONNECTION_LIMIT`));
  const postgresArgs = () => {
    const db = find("StatefulSet", "vote", "db") as Any;
    const args: string[] = db.spec.template.spec.containers.find((c: Any) => c.name === "postgres").args ?? [];
    const value = (name: keyof typeof POSTGRES_DEFAULTS) => {
      const at = args.findIndex((arg, i) => args[i - 1] === "-c" && arg.startsWith(`${name}=`));
      return at < 0 ? POSTGRES_DEFAULTS[name] : Number(args[at]!.split("=")[1]);
    };
    return { maxConnections: value("max_connections"), reserved: value("superuser_reserved_connections") };
  };

  /** The PostgreSQL user a container logs in as, or undefined when it doesn't. */
  const userOf = (container: Any): string | undefined => {
    const env = (name: string) => container.env?.find((v: Any) => v.name === name)?.value as string | undefined;
    const url =
      env("DATABASE_URL") ?? [...(container.command ?? [])].find((arg: string) => arg.startsWith("postgres://"));
    if (url) return new URL(url.replace(/\$\(\w+\)/g, "x")).username;
    return env("PGUSER") ?? env("DATA_SOURCE_USER");
  };
  /** Connections one container opens at most: its pool (container env, then ConfigMap, then the code's default). */
  const connectionsOf = (pod: PodTemplate, container: Any): number => {
    const command = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
    if (/dist\/node\/migrate\.js/.test(command)) return FIXED.migrate;
    if (!/dist\/node\/(web|consumer)\.js/.test(command)) return FIXED.client;
    const own = container.env?.find((v: Any) => v.name === "DATABASE_POOL_MAX")?.value;
    const fromConfig = (container.envFrom ?? [])
      .map(
        (s: Any) =>
          s.configMapRef && (find("ConfigMap", pod.namespace, s.configMapRef.name) as Any)?.data?.DATABASE_POOL_MAX,
      )
      .find(Boolean);
    return Number(own ?? fromConfig ?? DEFAULTS.databasePoolMax);
  };
  /** How many pods of a template can run at once: the HPA's maximum (or replicas), plus a rolling update's surge; one Job at a time. */
  const podsOf = (pod: PodTemplate): number => {
    const owner = pod.owner as Any;
    if (owner.kind === "CronJob") return owner.spec.concurrencyPolicy === "Forbid" ? 1 : Number.POSITIVE_INFINITY;
    const hpa = ofKind("HorizontalPodAutoscaler").find(
      (h: Any) => h.spec.scaleTargetRef.name === owner.metadata.name,
    ) as Any;
    const replicas = hpa ? hpa.spec.maxReplicas : (owner.spec.replicas ?? 1);
    const surge = owner.kind === "Deployment" ? Number(owner.spec.strategy?.rollingUpdate?.maxSurge ?? 1) : 0;
    return replicas + surge;
  };
  /** The most connections each PostgreSQL user can hold at once, over every pod of the overlay. */
  const demand = () => {
    const byUser = new Map<string, { connections: number; from: string[] }>();
    for (const pod of pods()) {
      const perPod = new Map<string, number>();
      for (const { container } of containersOf(pod)) {
        const user = userOf(container);
        if (!user || pod.owner.metadata.name === "db") continue;
        // Init containers run one after another, then the app: per pod, the largest use of each user.
        perPod.set(user, Math.max(perPod.get(user) ?? 0, connectionsOf(pod, container)));
      }
      for (const [user, connections] of perPod) {
        const entry = byUser.get(user) ?? { connections: 0, from: [] };
        entry.connections += connections * podsOf(pod);
        entry.from.push(`${id(pod.owner)}: ${podsOf(pod)} x ${connections}`);
        byUser.set(user, entry);
      }
    }
    return byUser;
  };

  it("logs every process in as a role of its own, never as the superuser", () => {
    const superuser = (find("StatefulSet", "vote", "db") as Any).spec.template.spec.containers[0].env.find(
      (v: Any) => v.name === "POSTGRES_USER",
    ).value;
    const users = [...demand().keys()].sort();
    expect(users).not.toContain(superuser);
    const roles = ["owner", "web", "consumer", "exporter", "backup"].map((role) => `${prefix()}_${role}`);
    for (const user of users) expect(roles, user).toContain(user);
    const userOfComponent = (component: string) =>
      pods()
        .filter((pod) => pod.labels["app.kubernetes.io/component"] === component)
        .flatMap((pod) => pod.spec.containers.map(userOf));
    expect(new Set(userOfComponent("web"))).toEqual(new Set([`${prefix()}_web`]));
    expect(new Set(userOfComponent("consumer"))).toEqual(new Set([`${prefix()}_consumer`]));
  });

  it("keeps each role's connections within its limit, and the limits within max_connections with room for administrators", () => {
    const needs = demand();
    const over = [...needs].filter(([user, { connections }]) => connections > limit(user.slice(prefix().length + 1)));
    expect(
      over.map(
        ([user, n]) => `${user}: ${n.connections} > ${limit(user.slice(prefix().length + 1))} (${n.from.join(", ")})`,
      ),
    ).toEqual([]);
    const limits = ["owner", "web", "consumer", "exporter", "backup"].map(limit);
    expect(limits.every((n) => n > 0)).toBe(true);
    const { maxConnections, reserved } = postgresArgs();
    const budget = limits.reduce((a, b) => a + b, 0) + reserved + ADMIN_ROOM;
    expect(budget, `roles ${limits.join(" + ")} + reserved ${reserved} + admin ${ADMIN_ROOM}`).toBeLessThanOrEqual(
      maxConnections,
    );
  });

  it("gives each consumer more connections than batches it writes at once", () => {
    for (const pod of pods().filter((p) => p.labels["app.kubernetes.io/component"] === "consumer")) {
      expect(connectionsOf(pod, pod.spec.containers[0]), id(pod.owner)).toBeGreaterThan(DEFAULTS.consumerInFlight);
    }
  });

  it("makes the roles on the database's first start and keeps their scripts in the db pod", () => {
    const db = (find("StatefulSet", "vote", "db") as Any).spec.template.spec;
    const mounts = db.containers[0].volumeMounts.map((m: Any) => [m.mountPath, m.name]);
    const initdb = mounts.find(([path]: string[]) => path === "/docker-entrypoint-initdb.d")?.[1];
    const volume = db.volumes.find((v: Any) => v.name === initdb);
    expect(volume.configMap.items.map((i: Any) => i.path)).toEqual(["roles.sh"]);
    const scripts = find("ConfigMap", "vote", volume.configMap.name) as Any;
    expect(Object.keys(scripts.data).sort()).toEqual(["grants.sql", "roles.sh"]);
    expect(objects().filter((o) => o.kind === "ConfigMap" && o.metadata.name === "db-roles")).toHaveLength(1);
  });
});
