import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Any, overlayView, podTemplates } from "./objects.ts";
import { id, K8S, kubectlMissing, OVERLAYS, parseObjects, renderOverlays } from "./render.ts";
import { type KubeObject, validateObject } from "./schema.ts";

const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

/** k8s/persistent, rendered: what holds data, applied apart from the overlays. */
const persistent = (() => {
  if (kubectlMissing) return [];
  const result = spawnSync("kubectl", ["kustomize", join(K8S, "persistent")], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(result.stderr);
  return parseObjects(result.stdout, "persistent");
})();

describe.skipIf(kubectlMissing)("k8s/persistent", () => {
  it("holds the namespace, with Pod Security's restricted profile enforced, and the backup volume, all valid", async () => {
    expect(persistent.map(id).sort()).toEqual(["Namespace/vote", "PersistentVolumeClaim/vote/db-backups"]);
    const namespace = persistent.find((o) => o.kind === "Namespace")!;
    expect(namespace.metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    for (const object of persistent) expect(await validateObject(object), id(object)).toEqual([]);
  });
});

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay, deleted with kubectl delete -k", (overlay) => {
  const { objects, ofKind } = overlayView(rendered, overlay);

  it("deletes no namespace (which would take every volume claim in it) and no volume claim", () => {
    expect(ofKind("Namespace").map(id)).toEqual([]);
    expect(ofKind("PersistentVolumeClaim").map(id)).toEqual([]);
  });

  it("keeps the StatefulSets' claims when a StatefulSet is deleted or scaled down", () => {
    for (const set of ofKind("StatefulSet") as Any[]) {
      expect(set.spec.persistentVolumeClaimRetentionPolicy, id(set)).toEqual({
        whenDeleted: "Retain",
        whenScaled: "Retain",
      });
    }
  });

  it("mounts only claims that k8s/persistent or a StatefulSet's template provides, in namespaces it creates", () => {
    const claims = new Set(persistent.filter((o) => o.kind === "PersistentVolumeClaim").map((o) => o.metadata.name));
    const namespaces = new Set(persistent.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name));
    for (const pod of podTemplates(objects())) {
      const templates = new Set(
        ((pod.owner.spec as Any).volumeClaimTemplates ?? []).map((t: Any) => t.metadata.name as string),
      );
      for (const volume of pod.spec.volumes ?? []) {
        if (volume.persistentVolumeClaim)
          expect(claims, id(pod.owner)).toContain(volume.persistentVolumeClaim.claimName);
      }
      for (const mount of pod.spec.containers.flatMap((c: Any) => c.volumeMounts ?? [])) {
        const declared = (pod.spec.volumes ?? []).some((v: Any) => v.name === mount.name) || templates.has(mount.name);
        expect(declared, `${id(pod.owner)} ${mount.name}`).toBe(true);
      }
    }
    const used = new Set(objects().flatMap((o) => (o.metadata.namespace === "vote" ? ["vote"] : [])));
    for (const namespace of used) expect(namespaces).toContain(namespace);
  });
});
