import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MiddlewareHandler } from "hono";

const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";

/** What Workers serve from public/static: our own files, and what tools/copy-assets.ts copies there from packages. */
const FILES: Record<string, { url: URL | string; type: string }> = {
  "/static/app.css": { url: new URL("../../public/static/app.css", import.meta.url), type: CSS },
  "/static/app.js": { url: new URL("../../public/static/app.js", import.meta.url), type: JS },
  "/static/altcha-setup.js": { url: new URL("../../public/static/altcha-setup.js", import.meta.url), type: JS },
  "/static/htmx.min.js": { url: import.meta.resolve("htmx.org/dist/htmx.min.js"), type: JS },
  "/static/altcha.js": { url: import.meta.resolve("altcha/external"), type: JS },
  "/static/altcha.css": { url: import.meta.resolve("altcha/altcha.css"), type: CSS },
  "/static/altcha-sha-worker.js": { url: import.meta.resolve("altcha/workers/sha"), type: JS },
};

/**
 * Serves the stylesheets and scripts (ours, htmx, ALTCHA's widget) from memory (read once at start-up), the
 * Node counterpart of Workers Static Assets.
 */
export function serveStaticFiles(): MiddlewareHandler {
  const files = new Map(
    Object.entries(FILES).map(([path, file]) => [
      path,
      { body: readFileSync(typeof file.url === "string" ? fileURLToPath(file.url) : file.url), type: file.type },
    ]),
  );
  return async (c, next) => {
    const file = files.get(c.req.path);
    if (!file) return next();
    return c.body(new Uint8Array(file.body), 200, {
      "Content-Type": file.type,
      "Cache-Control": "public, max-age=3600",
    });
  };
}
