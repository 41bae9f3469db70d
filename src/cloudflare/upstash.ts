import { Redis } from "@upstash/redis/cloudflare";
import type { VoteStore } from "../core/ports.ts";
import { ballotKey } from "../redis/keys.ts";
import { RECORD_CHOICE_SCRIPT } from "../redis/scripts.ts";

/**
 * An Upstash REST client that returns raw strings (no JSON guessing: a choice
 * "1" must stay "1"). Every voter change is one script, because the client
 * pipelines concurrent commands and may reorder them.
 */
export function createUpstashClient(url: string, token: string): Redis {
  return new Redis({ url, token, automaticDeserialization: false, enableTelemetry: false });
}

/** Records a voter's choice and returns the voter's new version, in one atomic script. */
export type ChoiceRecorder = (poll: string, voter: string, choice: string) => Promise<number>;

/** The first step of casting on Workers: the choice and version in Upstash (the queue send follows). */
export function createUpstashChoiceRecorder(redis: Redis, prefix: string, ttlSeconds: number): ChoiceRecorder {
  const recordChoice = redis.createScript<number>(RECORD_CHOICE_SCRIPT);
  const ttl = String(ttlSeconds);
  return async (poll, voter, choice) =>
    Number(await recordChoice.exec([ballotKey(prefix, poll, voter)], [choice, ttl]));
}

/** VoteStore on Upstash Redis over REST (the Workers runtime). */
export function createUpstashVoteStore(redis: Redis, prefix: string): VoteStore {
  return {
    async currentChoice(poll, voter) {
      return await redis.hget<string>(ballotKey(prefix, poll, voter), "choice");
    },
    async ping() {
      await redis.ping();
    },
  };
}
