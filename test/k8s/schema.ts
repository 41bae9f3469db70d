/**
 * Validates rendered Kubernetes objects against the API's own schemas (the
 * OpenAPI schemas of Kubernetes, and the CRD schemas of cert-manager and the
 * Prometheus operator) as compiled into the `kubernetes-models` packages, and
 * rejects fields those schemas don't declare, as `kubectl apply
 * --validate=strict` would.
 *
 * The packages' validators check types, required fields, enums and formats,
 * but let unknown fields through (the API's schemas don't say
 * `additionalProperties: false`). So each object is validated through a
 * Proxy that records which properties the compiled validator looked up: a
 * schema that declares properties looks up each one it declares, and a map
 * (labels, resources.limits) is enumerated instead. A field present in an
 * object whose schema looked up other properties, and never this one, is one
 * the schema doesn't declare.
 */

import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [key: string]: unknown };
  [key: string]: unknown;
}

/**
 * Where the schema of each API group lives; the rest are Kubernetes' own.
 * `@kubernetes-models/gateway-api` comes with `@kubernetes-models/cert-manager`
 * (cert-manager's Gateway support uses its types).
 */
const CUSTOM_GROUPS: Record<string, string> = {
  "cert-manager.io": "@kubernetes-models/cert-manager",
  "acme.cert-manager.io": "@kubernetes-models/cert-manager",
  "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
  "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
};

type ModelClass = { prototype: { validate(this: unknown): void } };

/**
 * CRD schemas no models package carries, vendored in test/k8s/schemas/
 * (see the README there): `<group>_<version>_<Kind>.json`, each holding the
 * CRD's openAPIV3Schema. They are compiled with Ajv, the validator the
 * models packages are generated with; metadata is checked as ObjectMeta.
 */
const VENDORED = join(dirname(fileURLToPath(import.meta.url)), "schemas");
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

async function loadVendored(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const file = join(VENDORED, `${apiVersion.replace("/", "_")}_${kind}.json`);
  if (!apiVersion.includes("/") || !existsSync(file)) return undefined;
  const crd = JSON.parse(readFileSync(file, "utf8")) as { openAPIV3Schema: object };
  const check = ajv.compile(crd.openAPIV3Schema);
  const { ConfigMap } = await import("kubernetes-models/v1/ConfigMap");
  return {
    prototype: {
      validate(this: { metadata?: unknown }) {
        ConfigMap.prototype.validate.call({ apiVersion: "v1", kind: "ConfigMap", metadata: this.metadata });
        if (!check(this)) throw new Error(ajv.errorsText(check.errors, { dataVar: kind }));
      },
    },
  };
}

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const vendored = await loadVendored(apiVersion, kind);
  if (vendored) return vendored;
  const group = apiVersion.includes("/") ? apiVersion.split("/")[0]! : "";
  const pkg = CUSTOM_GROUPS[group] ?? "kubernetes-models";
  try {
    const module = (await import(`${pkg}/${apiVersion}/${kind}`)) as Record<string, ModelClass>;
    return module[kind];
  } catch {
    return undefined;
  }
}

interface Seen {
  keys: Set<string>;
  enumerated: boolean;
}

/** Wraps `root` so every property lookup and enumeration is recorded per object. */
function track(root: object): { proxy: object; seen: Map<object, Seen> } {
  const seen = new Map<object, Seen>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== "object") return value;
    const cached = proxies.get(value);
    if (cached) return cached;
    const record: Seen = { keys: new Set(), enumerated: false };
    seen.set(value, record);
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        if (typeof key === "string") record.keys.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
      has(target, key) {
        if (typeof key === "string") record.keys.add(key);
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        if (typeof key === "string") record.keys.add(key);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
      ownKeys(target) {
        record.enumerated = true;
        return Reflect.ownKeys(target);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  return { proxy: wrap(root) as object, seen };
}

/** Objects the validator never looked into: free-form in the schema, so nothing there is checked. */
function untouched(value: unknown, seen: Map<object, Seen>, path: string): string[] {
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => untouched(item, seen, `${path}/${i}`));
  const record = seen.get(value);
  if (record === undefined || (record.keys.size === 0 && !record.enumerated)) return [path || "/"];
  return Object.entries(value).flatMap(([key, child]) => untouched(child, seen, `${path}/${key}`));
}

function unknownFields(value: unknown, seen: Map<object, Seen>, path: string): string[] {
  if (value === null || typeof value !== "object") return [];
  if (Array.isArray(value)) return value.flatMap((item, i) => unknownFields(item, seen, `${path}/${i}`));
  const record = seen.get(value);
  // Untouched objects are free-form in their schema (or sit under an error that stopped descent).
  const declaresProperties = record !== undefined && !record.enumerated && record.keys.size > 0;
  return Object.entries(value).flatMap(([key, child]) => [
    ...(declaresProperties && !record.keys.has(key) ? [`${path}/${key}: unknown field "${key}"`] : []),
    ...unknownFields(child, seen, `${path}/${key}`),
  ]);
}

/**
 * Validates one object: `problems` lists a missing schema, schema violations
 * and unknown fields; `unchecked` lists the paths of objects the schema leaves
 * free-form, where a typo would go unnoticed.
 */
export async function inspectObject(object: KubeObject): Promise<{ problems: string[]; unchecked: string[] }> {
  const model = await loadModel(object.apiVersion, object.kind);
  if (!model) return { problems: [`no schema for ${object.apiVersion} ${object.kind}`], unchecked: [] };
  const problems: string[] = [];
  const { proxy, seen } = track(object);
  try {
    model.prototype.validate.call(proxy);
  } catch (error) {
    problems.push((error as Error).message);
  }
  problems.push(...unknownFields(object, seen, ""));
  return { problems, unchecked: untouched(object, seen, "") };
}

/** Every problem with one object: no schema for its kind, schema violations, unknown fields. */
export async function validateObject(object: KubeObject): Promise<string[]> {
  return (await inspectObject(object)).problems;
}
