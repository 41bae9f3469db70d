import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { MiddlewareHandler } from "hono";

const FILES: Record<string, { url: URL | string; type: string }> = {
  "/static/app.css": { url: new URL("../../public/static/app.css", import.meta.url), type: "text/css; charset=utf-8" },
  "/static/app.js": {
    url: new URL("../../public/static/app.js", import.meta.url),
    type: "text/javascript; charset=utf-8",
  },
  "/static/htmx.min.js": {
    url: import.meta.resolve("htmx.org/dist/htmx.min.js"),
    type: "text/javascript; charset=utf-8",
  },
};

/**
 * Serves the stylesheet, app.js and htmx from memory (read once at start-up), the
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
