import { execFileSync } from "node:child_process";

/** Tests that start the real entry points run `dist/`, so build it once per run. */
export default function setup(): void {
  execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.build.json"], {
    stdio: "inherit",
  });
}
