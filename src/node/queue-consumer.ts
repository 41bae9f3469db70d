import { describeError } from "../core/logger.ts";
import type { Logger } from "../core/ports.ts";
import {
  type BatchCounts,
  type ProcessVotesDeps,
  processVotes,
  reportVerdicts,
  type Verdict,
} from "../core/process-votes.ts";
import { describeRefusal } from "../domain/ballots.ts";
import type { StreamNames } from "../redis/keys.ts";
import type { RedisClient } from "./redis-client.ts";

/** One message read from the stream; `body` is undefined when the entry has no `ballot` field. */
export interface StreamEntry {
  id: string;
  body: string | undefined;
}

export interface QueueConsumerOptions {
  /** The connection for reads; it blocks while waiting for entries. */
  client: RedisClient;
  /**
   * A second connection for acknowledgements and dead letters. With one, the
   * next batch is read while the current one is written (a full batch means
   * more are likely waiting); without, everything goes through `client`.
   */
  acker?: RedisClient;
  names: StreamNames;
  consumer: string;
  batchSize: number;
  /** Entries pending longer than this on another consumer are taken over. */
  claimIdleMs: number;
  /** How long one read waits for new entries. */
  blockMs?: number;
  /**
   * Batches written at once (default 2). PostgreSQL spends most of a batch
   * waiting on its own round trips and commit; a second transaction in flight
   * fills that time (`BENCH_ONLY=consumer npm run bench` shows the rate).
   * Rows go in key order in every batch, so two never deadlock.
   */
  inFlight?: number;
  /** An entry delivered more often than this goes to the dead letters unprocessed. */
  maxDeliveries?: number;
  logger: Logger;
  /**
   * Decides a batch, one verdict per entry (core/process-votes.ts). A retry
   * verdict, or a throw, means "try again": nothing is acknowledged and the
   * same batch is handled again after a pause.
   */
  handle(entries: StreamEntry[]): Promise<Verdict[]>;
  onBatch?(batch: BatchCounts & { size: number; seconds: number }): void;
  /** Called on every turn of the loop, also while retrying, for a liveness probe. */
  onHeartbeat?(): void;
}

export interface QueueConsumer {
  /** Runs until `signal` aborts; returns after the batch in hand is finished or abandoned. */
  run(signal: AbortSignal): Promise<void>;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * A consumer-group reader: first its own pending entries (left by a crash of
 * this consumer), then entries idle on dead consumers (XAUTOCLAIM), then new
 * ones. An entry is acknowledged and deleted only after `handle` returned.
 */
export function createQueueConsumer(options: QueueConsumerOptions): QueueConsumer {
  const { client, names, consumer, batchSize, claimIdleMs, logger } = options;
  const blockMs = options.blockMs ?? 1_000;
  const maxDeliveries = options.maxDeliveries ?? 10;
  const maxInFlight = Math.max(1, options.inFlight ?? 2);
  const acker = options.acker ?? client;

  let ownPendingFrom: string | null = "0";
  let claimCursor = "0-0";
  let nextClaimAt = 0;

  async function ensureGroup(): Promise<void> {
    try {
      await client.xGroupCreate(names.stream, names.group, "0", { MKSTREAM: true });
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("BUSYGROUP")) throw error;
    }
  }

  async function readOwnPending(): Promise<StreamEntry[]> {
    if (ownPendingFrom === null) return [];
    const reply = await client.xReadGroup(
      names.group,
      consumer,
      { key: names.stream, id: ownPendingFrom },
      { COUNT: batchSize },
    );
    const entries = toEntries(reply?.[0]?.messages ?? []);
    const last = entries.at(-1);
    ownPendingFrom = last ? last.id : null;
    return entries;
  }

  async function claimAbandoned(): Promise<StreamEntry[]> {
    if (Date.now() < nextClaimAt) return [];
    const reply = await client.xAutoClaim(names.stream, names.group, consumer, claimIdleMs, claimCursor, {
      COUNT: batchSize,
    });
    claimCursor = reply.nextId;
    if (claimCursor === "0-0") nextClaimAt = Date.now() + Math.max(1_000, claimIdleMs / 2);
    const entries = toEntries(reply.messages);
    if (entries.length > 0) logger.info("stream.claimed", { count: entries.length, consumer });
    return entries;
  }

  async function readNew(): Promise<StreamEntry[]> {
    const reply = await client.xReadGroup(
      names.group,
      consumer,
      { key: names.stream, id: ">" },
      { COUNT: batchSize, BLOCK: blockMs },
    );
    return toEntries(reply?.[0]?.messages ?? []);
  }

  /** Entries that were delivered too often are dead-lettered without being handled. */
  async function overDelivered(entries: StreamEntry[]): Promise<Map<string, string>> {
    const dead = new Map<string, string>();
    const first = entries[0];
    const last = entries.at(-1);
    if (!first || !last) return dead;
    const pending = await acker.xPendingRange(names.stream, names.group, first.id, last.id, entries.length, {
      consumer,
    });
    for (const entry of pending) {
      if (entry.deliveriesCounter > maxDeliveries) {
        dead.set(entry.id, `delivered ${entry.deliveriesCounter} times without success`);
      }
    }
    return dead;
  }

  async function settle(entries: StreamEntry[], dead: ReadonlyMap<string, string>): Promise<void> {
    const ids = entries.map((entry) => entry.id);
    const multi = acker.multi();
    for (const entry of entries) {
      const reason = dead.get(entry.id);
      if (reason === undefined) continue;
      multi.xAdd(names.deadLetters, "*", { id: entry.id, reason, ballot: entry.body ?? "" });
    }
    multi.xAck(names.stream, names.group, ids);
    multi.xDel(names.stream, ids);
    await multi.exec();
  }

  async function processBatch(entries: StreamEntry[], recovered: boolean, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let delay = RETRY_MIN_MS;
    for (let attempt = 1; ; attempt++) {
      options.onHeartbeat?.();
      try {
        const skipped = recovered ? await overDelivered(entries) : new Map<string, string>();
        const live = entries.filter((entry) => !skipped.has(entry.id));
        const verdicts = live.length > 0 ? await options.handle(live) : [];
        const retry = verdicts.find((verdict) => verdict.action === "retry");
        if (retry) throw retry.cause;
        const dead = new Map(skipped);
        verdicts.forEach((verdict, i) => {
          const entry = live[i];
          if (entry && verdict.action === "dead-letter") dead.set(entry.id, describeRefusal(verdict.refusal));
        });
        await settle(entries, dead);
        for (const [id, reason] of skipped) logger.warn("vote.dead_lettered", { id, reason });
        const counts = reportVerdicts(
          logger,
          verdicts,
          live.map((entry) => entry.id),
        );
        counts.deadLettered += skipped.size;
        options.onBatch?.({ ...counts, size: entries.length, seconds: (performance.now() - started) / 1000 });
        return;
      } catch (error) {
        logger.error("batch.retry", { ...describeError(error), attempt, size: entries.length, retryInMs: delay });
        if (signal.aborted) return;
        await sleep(delay, signal);
        if (signal.aborted) return;
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  return {
    async run(signal) {
      let delay = RETRY_MIN_MS;
      let prefetched: Promise<StreamEntry[]> | null = null;
      const inFlight = new Set<Promise<void>>();
      while (!signal.aborted) {
        options.onHeartbeat?.();
        try {
          if (ownPendingFrom !== null) await ensureGroup();
          let entries = await readOwnPending();
          let recovered = entries.length > 0;
          if (!recovered) {
            entries = await claimAbandoned();
            recovered = entries.length > 0;
          }
          if (!recovered) {
            entries = await (prefetched ?? readNew());
            prefetched = null;
            // If a read-ahead fails after Redis delivered, its entries stay pending and
            // XAUTOCLAIM (which also sees this consumer's own idle entries) brings them back.
            if (entries.length === batchSize && acker !== client) prefetched = readNew().catch(() => []);
          }
          delay = RETRY_MIN_MS;
          if (entries.length > 0) {
            // processBatch never rejects: it retries until done or aborted.
            const batch = processBatch(entries, recovered, signal).finally(() => inFlight.delete(batch));
            inFlight.add(batch);
            if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
          }
        } catch (error) {
          // Redis itself is unreachable; the client reconnects, we wait.
          logger.error("stream.read_failed", { ...describeError(error), retryInMs: delay });
          await sleep(delay, signal);
          delay = Math.min(delay * 2, RETRY_MAX_MS);
        }
      }
      await Promise.all(inFlight);
    },
  };
}

/** The consumer's usual handler: the core's batch decision, on the archive. */
export function archiveEntries(deps: ProcessVotesDeps): QueueConsumerOptions["handle"] {
  return (entries) =>
    processVotes(
      entries.map((entry) => entry.body),
      deps,
    );
}

function toEntries(messages: ReadonlyArray<{ id: string; message: Record<string, string> } | null>): StreamEntry[] {
  const entries: StreamEntry[] = [];
  for (const message of messages) {
    if (message) entries.push({ id: message.id, body: message.message?.ballot });
  }
  return entries;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Entries not yet acknowledged (new and pending): acknowledged entries are deleted. */
export async function streamBacklog(client: RedisClient, names: StreamNames): Promise<number> {
  return await client.xLen(names.stream);
}
