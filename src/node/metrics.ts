import { Hono } from "hono";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { within } from "../core/deadline.ts";
import type { RequestObserver } from "../core/ports.ts";

const OUTCOMES = ["applied", "refused", "dead_lettered"] as const;

/** Prometheus metrics for one process, every series labelled with `app` and `version`. */
export function createMetrics(labels: { app: string; version: string }) {
  const registry = new Registry();
  registry.setDefaultLabels(labels);
  collectDefaultMetrics({ register: registry });

  const requests = new Counter({
    name: "http_requests_total",
    help: "HTTP requests answered, by method, route and status.",
    labelNames: ["method", "route", "status"],
    registers: [registry],
  });
  const responseTime = new Histogram({
    name: "http_response_time_seconds",
    help: "Time to answer an HTTP request.",
    labelNames: ["method", "route"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const votesProcessed = new Counter({
    name: "votes_processed_total",
    help: "Queued votes the consumer finished, by outcome: applied, refused (their poll had closed) or dead_lettered.",
    labelNames: ["outcome"],
    registers: [registry],
  });
  // Every outcome is exported from the start, at 0, so the first refusal or dead letter is an increase an alert sees.
  for (const outcome of OUTCOMES) votesProcessed.inc({ outcome }, 0);
  const batchSeconds = new Histogram({
    name: "vote_batch_duration_seconds",
    help: "Time to move one batch of votes into PostgreSQL.",
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [registry],
  });

  const dependencies = new Map<string, () => Promise<void>>();
  new Gauge({
    name: "vote_dependency_up",
    help: "Whether a dependency answered at the last scrape (1) or not (0).",
    labelNames: ["dependency"],
    registers: [registry],
    async collect() {
      await Promise.all(
        [...dependencies].map(async ([dependency, ping]) => {
          this.set({ dependency }, (await answersWithin(ping, 2_000)) ? 1 : 0);
        }),
      );
    },
  });

  const observer: RequestObserver = {
    observe({ method, route, status, seconds }) {
      requests.inc({ method, route, status: String(status) });
      responseTime.observe({ method, route }, seconds);
    },
  };

  return {
    registry,
    observer,
    recordBatch(batch: { applied: number; refused: number; deadLettered: number; seconds: number }) {
      votesProcessed.inc({ outcome: "applied" }, batch.applied);
      if (batch.refused > 0) votesProcessed.inc({ outcome: "refused" }, batch.refused);
      if (batch.deadLettered > 0) votesProcessed.inc({ outcome: "dead_lettered" }, batch.deadLettered);
      batchSeconds.observe(batch.seconds);
    },
    /** Reports `vote_dependency_up{dependency=name}`: whether `ping` answers within 2 s, checked at scrape time. */
    trackDependency(name: string, ping: () => Promise<void>) {
      dependencies.set(name, ping);
    },
    /** Registers the stream backlog gauge, read at scrape time. */
    trackBacklog(read: () => Promise<number>) {
      new Gauge({
        name: "vote_stream_backlog",
        help: "Votes in the Redis Stream not yet written to PostgreSQL.",
        registers: [registry],
        async collect() {
          this.set(await read());
        },
      });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;

async function answersWithin(ping: () => Promise<void>, ms: number): Promise<boolean> {
  try {
    await within(ping(), ms, "timed out");
    return true;
  } catch {
    return false;
  }
}

/** GET /metrics in Prometheus text, for the web server and the consumer alike. */
export function createMetricsRoutes(metrics: Metrics): Hono {
  const routes = new Hono();
  routes.get("/metrics", async (c) =>
    c.text(await metrics.registry.metrics(), 200, { "Content-Type": metrics.registry.contentType }),
  );
  return routes;
}
