import { fileURLToPath } from "node:url";

/** The repository's root folder, ending in a slash: where package.json, dist/ and the configurations are. */
export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
