import { Hono } from "hono";

const CHECK_TIMEOUT_MS = 2_000;

export interface HealthOptions {
  /** Dependencies /readyz checks; each rejects when unreachable. */
  readiness: Record<string, () => Promise<void>>;
  /** False once shutdown has begun, so /readyz fails and load balancers drain us. */
  isAccepting?: (() => boolean) | undefined;
  /** Why the process is stuck, if it is (a consumer whose loop stopped turning); /healthz then fails. */
  stuck?: (() => Record<string, unknown> | undefined) | undefined;
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
    return stuck ? c.json({ status: "stuck", ...stuck }, 503) : c.json({ status: "ok" });
  });

  routes.get("/readyz", async (c) => {
    c.header("Cache-Control", "no-store");
    if (options.isAccepting && !options.isAccepting()) return c.json({ status: "shutting down" }, 503);
    const checks: Record<string, string> = {};
    await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), CHECK_TIMEOUT_MS);
          checks[name] = "ok";
        } catch {
          checks[name] = "unreachable";
        }
      }),
    );
    const ready = Object.values(checks).every((state) => state === "ok");
    return c.json({ status: ready ? "ready" : "not ready", checks }, ready ? 200 : 503);
  });

  return routes;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
