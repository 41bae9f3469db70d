/** Stops the process with one line for a person to read: no stack trace. */
export function exitWith(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

/** What went wrong, in one line: the error's code and message. */
export function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" && !message.includes(code) ? `${code}: ${message}` : message;
}

/** A server that can't listen (the port is taken, or not ours to take) stops the process with one line. */
export function exitOnListenError(
  server: { on(event: "error", listener: (error: Error) => void): unknown },
  port: number,
) {
  server.on("error", (error) => {
    exitWith(`Cannot listen on port ${port} (${reasonOf(error)}). Stop what uses it, or set PORT to a free one.`);
  });
}
