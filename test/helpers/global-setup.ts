import { execFileSync } from "node:child_process";

const BUILT = "VOTE_TEST_DIST_BUILT";

/**
 * Tests that start the real entry points run `dist/`, so build it once per
 * run. Several projects list this setup, and each project runs its own copy
 * in vitest's main process: the environment variable keeps it to one build.
 */
export default function setup(): void {
  if (process.env[BUILT] === "1") return;
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
  process.env[BUILT] = "1";
}
