import { createJsonLogger } from "../core/logger.ts";
import type { Logger } from "../core/ports.ts";
import type { NodeConfig } from "./config.ts";

/** The process's logger: one JSON line per event on stdout, tagged with the app and version. */
export function createLogger(config: NodeConfig, app: string): Logger {
  return createJsonLogger({ app, version: config.appVersion }, config.logLevel, createBatchedWriter());
}

/**
 * Writes log lines to stdout in batches: the lines of one turn of the event
 * loop go out in one write. stdout is a pipe in a container, and writes to a
 * pipe are synchronous in Node on Linux, so a line per request was a system
 * call per request (a tenth of the vote path's CPU when profiled; docs/capacity.md). What is pending is
 * written on exit, so only a crash (SIGKILL) can lose the last turn's lines.
 */
function createBatchedWriter(write: (chunk: string) => void = (chunk) => process.stdout.write(chunk)) {
  let pending: string[] = [];
  const flush = () => {
    if (pending.length === 0) return;
    const chunk = `${pending.join("\n")}\n`;
    pending = [];
    write(chunk);
  };
  process.on("exit", flush);
  return (line: string) => {
    if (pending.push(line) === 1) setImmediate(flush);
  };
}
