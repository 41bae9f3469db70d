import type { Logger } from "../../src/core/ports.ts";

export interface LoggedLine {
  level: "info" | "warn" | "error";
  event: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps its lines, so a test can read what was logged and at which level. */
export interface MemoryLogger extends Logger {
  readonly lines: LoggedLine[];
  /** The events logged, in order; at `level` only when given. */
  events(level?: LoggedLine["level"]): string[];
}

export function createMemoryLogger(): MemoryLogger {
  const lines: LoggedLine[] = [];
  const log =
    (level: LoggedLine["level"]) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      lines.push({ level, event, fields });
    };
  return {
    lines,
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    events: (level) => lines.filter((line) => level === undefined || line.level === level).map((line) => line.event),
  };
}
