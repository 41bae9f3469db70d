import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./podman.ts";

export interface Stage {
  /** The FROM line as written, and with the global ARGs' defaults substituted. */
  fromAsWritten: string;
  from: string;
  name?: string;
  instructions: { op: string; args: string }[];
}

/** The Dockerfile's parser directives, global ARGs (with their defaults) and stages. */
export function readDockerfile(path = join(ROOT, "Dockerfile")): {
  directives: string[];
  args: Record<string, string>;
  stages: Stage[];
  text: string;
} {
  const text = readFileSync(path, "utf8");
  const directives: string[] = [];
  for (const line of text.split("\n")) {
    const directive = line.match(/^#\s*(\w+)\s*=/);
    if (!directive) break;
    directives.push(directive[1]!.toLowerCase());
  }
  const lines = text
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
      const [image, as, name] = text.split(/\s+/);
      const from = image!.replace(/\$\{(\w+)\}/g, (_, key: string) => args[key] ?? "");
      stages.push({ fromAsWritten: image!, from, ...(as?.toUpperCase() === "AS" ? { name } : {}), instructions: [] });
    } else if (stages.length === 0 && op!.toUpperCase() === "ARG") {
      const [key, value] = text.split("=");
      args[key!] = value ?? "";
    } else {
      stages.at(-1)?.instructions.push({ op: op!.toUpperCase(), args: text });
    }
  }
  return { directives, args, stages, text };
}

/** ENV pairs of a stage (`ENV a=1 b="x y"` form). */
export function envOf(stage: Stage): Record<string, string> {
  return Object.fromEntries(
    stage.instructions
      .filter((i) => i.op === "ENV")
      .flatMap((i) => [...i.args.matchAll(/(\w+)=("([^"]*)"|\S+)/g)].map((m) => [m[1]!, m[3] ?? m[2]!])),
  );
}

/** An instruction's flags (`--from=build`, `--mount=...`) and the rest. */
export function flagsOf(args: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let rest = args;
  for (let match = rest.match(/^(--\S+)\s+/); match; match = rest.match(/^(--\S+)\s+/)) {
    flags.push(match[1]!);
    rest = rest.slice(match[0].length);
  }
  return { flags, rest };
}
