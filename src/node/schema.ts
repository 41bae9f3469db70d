import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The migrations folder that ships with this code (the image has it beside dist/). */
export const MIGRATIONS = fileURLToPath(new URL("../../migrations", import.meta.url));

/** The newest migration this code was written for: its version, the number its file name starts with. */
export function latestMigration(): string {
  const versions = readdirSync(MIGRATIONS)
    .map((file) => /^(\d+)_.*\.sql$/.exec(file)?.[1])
    .filter((version): version is string => version !== undefined)
    .sort();
  const latest = versions.at(-1);
  if (!latest) throw new Error(`no migrations in ${MIGRATIONS}`);
  return latest;
}
