// Copies htmx from node_modules into public/static, where Workers Static
// Assets serve it (wrangler runs this as the [build] command).
import { copyFileSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(import.meta.resolve("htmx.org/dist/htmx.min.js"));
const target = fileURLToPath(new URL("../public/static/htmx.min.js", import.meta.url));
mkdirSync(fileURLToPath(new URL("../public/static/", import.meta.url)), { recursive: true });
copyFileSync(source, target);
