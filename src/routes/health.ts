import { Hono } from "hono";
import type { AppEnv } from "../app.ts";

const CHECK_TIMEOUT_MS = 2_000;

/** Liveness (the process answers) and readiness (its dependencies answer, and it isn't shutting down). */
export const healthRoutes = new Hono<AppEnv>();

healthRoutes.get("/healthz", (c) => c.json({ status: "ok" }));

healthRoutes.get("/readyz", async (c) => {
  const deps = c.get("deps");
  c.header("Cache-Control", "no-store");
  if (deps.isAccepting && !deps.isAccepting()) return c.json({ status: "shutting down" }, 503);
  const checks: Record<string, string> = {};
  await Promise.all(
    Object.entries(deps.readiness).map(async ([name, check]) => {
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

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("timed out")), ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    if (timer !== undefined) clearTimeout(timer);
  });
}
