// Copies the browser files that come from packages (htmx, ALTCHA's widget) from
// node_modules into public/static, where Workers Static Assets serve them
// (wrangler runs this as the [build] command). The Node server serves the same
// files from node_modules: src/node/static-files.ts names them.
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** public/static/<name> from a package file; ALTCHA's "external" build keeps its styles and workers out of the script (CSP). */
const ASSETS: Record<string, string> = {
  "htmx.min.js": "htmx.org/dist/htmx.min.js",
  "altcha.js": "altcha/external",
  "altcha.css": "altcha/altcha.css",
  "altcha-sha-worker.js": "altcha/workers/sha",
};

mkdirSync(fileURLToPath(new URL("../public/static/", import.meta.url)), { recursive: true });
for (const [name, specifier] of Object.entries(ASSETS)) {
  copyFileSync(
    fileURLToPath(import.meta.resolve(specifier)),
    fileURLToPath(new URL(`../public/static/${name}`, import.meta.url)),
  );
}
