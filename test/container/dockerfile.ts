import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./render.ts";

export interface Stage {
  from: string;
  name?: string;
  instructions: { op: string; args: string }[];
}

/** The Dockerfile's stages, with ARGs of the global scope substituted into FROM lines. */
export function readDockerfile(path = join(ROOT, "Dockerfile")): { stages: Stage[]; args: Record<string, string> } {
  const lines = readFileSync(path, "utf8")
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  for (const line of lines) {
    const [op, ...rest] = line.split(/\s+/);
    const text = rest.join(" ");
    if (op!.toUpperCase() === "FROM") {
      const [image, as, name] = text.replace(/\$\{(\w+)\}/g, (_, key: string) => args[key] ?? "").split(/\s+/);
      stages.push({ from: image!, ...(as?.toUpperCase() === "AS" ? { name } : {}), instructions: [] });
    } else if (stages.length === 0 && op!.toUpperCase() === "ARG") {
      const [key, value] = text.split("=");
      args[key!] = value ?? "";
    } else {
      stages.at(-1)?.instructions.push({ op: op!.toUpperCase(), args: text });
    }
  }
  return { stages, args };
}

/** ENV pairs of a stage (`ENV a=1 b=2` form). */
export function envOf(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    stage.instructions
      .filter((i) => i.op === "ENV")
      .flatMap((i) => i.args.split(/\s+/).map((pair) => pair.split("=") as [string, string])),
  );
}

/** A RUN's shell command without its BuildKit flags (`--mount=...`). */
export function shellOf(run: string): string {
  return run.replace(/^(--\S+\s+)+/, "");
}
