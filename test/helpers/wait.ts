/**
 * Polls `probe` every `everyMs` until it returns something other than
 * undefined or false, and returns that; after `timeoutMs` it throws, naming
 * `what` (a function is asked only then, so it can say what was last seen).
 * A probe that throws fails the wait at once.
 */
export async function waitFor<T>(
  probe: () => Promise<T | undefined | false>,
  what: string | (() => string),
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "function" ? what() : what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/**
 * waitFor for probes that throw until what they wait for is there (a port
 * not listening yet, a container still starting): a throw, like any falsy
 * value, means not yet.
 */
export function until<T>(
  probe: () => Promise<T | undefined | false>,
  what: string | (() => string),
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const settled = async () => {
    try {
      return (await probe()) || undefined;
    } catch {
      return undefined;
    }
  };
  return waitFor(settled, what, timeoutMs, everyMs);
}
