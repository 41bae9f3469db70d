import { describeError } from "../core/logger.ts";
import type { Logger } from "../core/ports.ts";

/**
 * Runs `stop` once on SIGTERM or SIGINT (podinfo's order: fail readiness,
 * drain, close), and exits; a second signal or a stuck shutdown forces exit.
 */
export function onShutdown(logger: Logger, stop: (signal: string) => Promise<void>, forceAfterMs = 30_000): void {
  let stopping = false;
  const handle = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info("shutdown.begin", { signal });
    setTimeout(() => {
      logger.error("shutdown.forced", { afterMs: forceAfterMs });
      process.exit(1);
    }, forceAfterMs).unref();
    stop(signal).then(
      () => {
        logger.info("shutdown.done");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error("shutdown.failed", describeError(error));
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", handle);
  process.on("SIGINT", handle);
}
