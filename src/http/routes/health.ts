import { Hono } from "hono";
import { within } from "../../core/deadline.ts";
import { createSingleFlightCache } from "../../core/single-flight.ts";

const CHECK_TIMEOUT_MS = 2_000;

export interface HealthOptions {
  /** Dependencies /readyz checks; each rejects when unreachable. */
  readiness: Record<string, () => Promise<void>>;
  /** Dependencies /readyz reports in its body, without failing on them. */
  reported?: Record<string, () => Promise<void>> | undefined;
  /** False once shutdown has begun, so /readyz fails and load balancers drain us. */
  isAccepting?: (() => boolean) | undefined;
  /** Why the process is stuck, if it is (a consumer whose loop stopped turning); /healthz then fails. */
  stuck?: (() => Record<string, unknown> | undefined) | undefined;
  /**
   * How long the checks' results are reused (0: every call checks). On Workers
   * each check is a paid request to Upstash or Hyperdrive, and anyone may call
   * /readyz: one round of checks per isolate every few seconds is plenty.
   */
  rememberMs?: number | undefined;
  /** The serving host (the pod), as /healthz names it: the original app showed it on its vote page. */
  hostname?: string | undefined;
}

/**
 * Liveness (the process answers, and isn't stuck) and readiness (its
 * dependencies answer, each within a time limit, and it isn't shutting
 * down), for the web app and the consumer alike.
 */
export function createHealthRoutes(options: HealthOptions): Hono {
  const routes = new Hono();

  routes.get("/healthz", (c) => {
    const stuck = options.stuck?.();
    const host = options.hostname === undefined ? {} : { host: options.hostname };
    return stuck ? c.json({ status: "stuck", ...stuck, ...host }, 503) : c.json({ status: "ok", ...host });
  });

  const checks = () => Promise.all([runChecks(options.readiness), runChecks(options.reported ?? {})]);
  const remembered = createSingleFlightCache<Awaited<ReturnType<typeof checks>>>({ ttlMs: options.rememberMs ?? 0 });

  routes.get("/readyz", async (c) => {
    c.header("Cache-Control", "no-store");
    if (options.isAccepting && !options.isAccepting()) return c.json({ status: "shutting down" }, 503);
    const [gating, reported] = await remembered.get("checks", checks);
    const ready = Object.values(gating).every((state) => state === "ok");
    return c.json({ status: ready ? "ready" : "not ready", checks: { ...gating, ...reported } }, ready ? 200 : 503);
  });

  return routes;
}

/** Runs every check at once, each within the time limit: "ok" or "unreachable" by name. */
async function runChecks(checks: Record<string, () => Promise<void>>): Promise<Record<string, string>> {
  const results: Record<string, string> = {};
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await within(check(), CHECK_TIMEOUT_MS, "timed out");
        results[name] = "ok";
      } catch {
        results[name] = "unreachable";
      }
    }),
  );
  return results;
}
