/**
 * Contract test for tools/upstash-bridge.ts: the commands the app sends with
 * @upstash/redis give the same replies through the bridge as they do over a
 * direct node-redis connection to the same Redis. No mocks: real Redis.
 */
import { createHash, randomBytes } from "node:crypto";
import { createClient } from "@redis/client";
import { Ratelimit } from "@upstash/ratelimit";
import { errors, Redis } from "@upstash/redis";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UPSTASH_SCRIPT_FLAGS } from "../../src/cloudflare/redis-client.ts";
import { votersKey } from "../../src/redis/keys.ts";
import {
  CAST,
  CAST_BALLOT_SCRIPT,
  RATE_WINDOW_MS,
  RATE_WINDOW_SCRIPT,
  RECORD_CHOICE_SCRIPT,
} from "../../src/redis/scripts.ts";
import { voteScriptArgs } from "../../src/redis/vote-args.ts";
import { startUpstashBridge, type UpstashBridge } from "../../tools/upstash-bridge.ts";
import { castRequest, LONG_WINDOW_MS } from "../contract/ports/support.ts";

const noLimits = { address: "192.0.2.1", perAddress: 0, perVoter: 0, windowMs: 60_000 };

const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";
const TOKEN = `test-token-${randomBytes(8).toString("hex")}`;

type Direct = ReturnType<typeof createClient>;

/** A script inside pipelines and transactions: its reply depends only on the key, so both paths agree. */
const COUNT_SCRIPT = "redis.call('HSET', KEYS[1], 'choice', ARGV[1]) return redis.call('HINCRBY', KEYS[1], 'n', 1)";

describe("the local Upstash bridge", () => {
  let bridge: UpstashBridge;
  let direct: Direct;
  let upstash: Redis;
  let prefix: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    bridge = await startUpstashBridge({
      redisUrl: REDIS_URL,
      token: TOKEN,
      port: 0,
      log: (line) => logLines.push(line),
    });
    direct = createClient({ url: REDIS_URL, RESP: 2 });
    direct.on("error", () => {});
    await direct.connect();
    upstash = new Redis({ url: bridge.url, token: TOKEN, automaticDeserialization: false, enableTelemetry: false });
  });

  afterAll(async () => {
    await bridge?.close();
    await direct?.close();
  });

  beforeEach(() => {
    prefix = `upstash-contract-${randomBytes(6).toString("hex")}:`;
  });

  afterEach(async () => {
    const keys = await keysMatching(`${prefix}*`);
    if (keys.length > 0) await direct.sendCommand(["DEL", ...keys]);
  });

  async function keysMatching(pattern: string): Promise<string[]> {
    const found: string[] = [];
    let cursor = "0";
    do {
      const [next, keys] = (await direct.sendCommand(["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])) as [
        string,
        string[],
      ];
      found.push(...keys);
      cursor = next;
    } while (cursor !== "0");
    return found;
  }

  /** Same operation on two key spaces: one through the bridge, one direct. */
  const viaBridge = (name: string) => `${prefix}bridge:${name}`;
  const viaDirect = (name: string) => `${prefix}direct:${name}`;

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${bridge.url}${path}`, { method: "POST", body, headers: { authorization: `Bearer ${TOKEN}`, ...headers } });

  it("answers PING", async () => {
    expect(await upstash.ping()).toBe("PONG");
    expect(await direct.sendCommand(["PING"])).toBe("PONG");
  });

  it("round-trips unicode text both ways (base64 responses)", async () => {
    const text = 'héllo wörld, ñandú, 日本語, emoji 🎉🗳️ and "quotes" \\ back\nslash';
    expect(await upstash.set(viaBridge("text"), text)).toBe("OK");
    expect(await direct.sendCommand(["GET", viaBridge("text")])).toBe(text);
    await direct.sendCommand(["SET", viaDirect("text"), text]);
    expect(await upstash.get(viaDirect("text"))).toBe(text);
    // A value that looks like JSON, a number or "OK" stays the exact string.
    for (const value of ["OK", "1", "007", '{"a":1}', ""]) {
      await upstash.set(viaBridge("raw"), value);
      expect(await upstash.get(viaBridge("raw"))).toBe(value);
      expect(await direct.sendCommand(["GET", viaBridge("raw")])).toBe(value);
    }
  });

  it("gives null for a missing key", async () => {
    expect(await upstash.get(viaBridge("missing"))).toBeNull();
    expect(await direct.sendCommand(["GET", viaDirect("missing")])).toBeNull();
  });

  it("HSET, HGET, HGETALL and INCR reply the same", async () => {
    expect(await upstash.hset(viaBridge("h"), { choice: "a", version: "1" })).toBe(
      await direct.sendCommand(["HSET", viaDirect("h"), "choice", "a", "version", "1"]),
    );
    expect(await upstash.hget(viaBridge("h"), "choice")).toBe(
      await direct.sendCommand(["HGET", viaDirect("h"), "choice"]),
    );
    expect(await upstash.hget(viaBridge("h"), "nope")).toBeNull();
    // Without automatic deserialization the client hands back Redis's flat field/value list.
    expect(await upstash.hgetall(viaBridge("h"))).toEqual(["choice", "a", "version", "1"]);
    expect(await upstash.hgetall(viaBridge("h"))).toEqual(await direct.sendCommand(["HGETALL", viaDirect("h")]));
    expect(await upstash.hgetall(viaBridge("none"))).toEqual(await direct.sendCommand(["HGETALL", viaDirect("none")]));

    for (let i = 0; i < 3; i++) {
      expect(await upstash.incr(viaBridge("n"))).toBe(await direct.sendCommand(["INCR", viaDirect("n")]));
    }
    expect(await upstash.get(viaBridge("n"))).toBe("3");
  });

  describe("the app's Lua scripts", () => {
    const directEval = (script: string, keys: string[], args: string[]): Promise<unknown> =>
      direct.sendCommand(["EVAL", script, String(keys.length), ...keys, ...args]);

    /** A vote script's KEYS and ARGV as the adapters build them (src/redis/vote-args.ts), under `via`'s prefix. */
    const voteArgs = (via: (key: string) => string, choice: string, ttlSeconds = 3600) =>
      voteScriptArgs(via(""), castRequest("default", "voter-é🎉", [choice]), noLimits, ttlSeconds);
    const versionOf = (reply: unknown) => {
      const [code, version] = reply as [number, number];
      expect(code).toBe(CAST.recorded);
      return Number(version);
    };

    it("RECORD_CHOICE_SCRIPT: EVAL and EVALSHA (with NOSCRIPT fallback) match direct EVAL", async () => {
      const script = upstash.createScript<[number, number]>(RECORD_CHOICE_SCRIPT);
      const replies = { bridge: [] as number[], direct: [] as number[] };
      for (const choice of ["a", "b", "a,b"]) {
        const bridged = voteArgs(viaBridge, choice);
        const direct = voteArgs(viaDirect, choice);
        replies.bridge.push(versionOf(await upstash.eval(RECORD_CHOICE_SCRIPT, bridged.keys, bridged.args)));
        replies.bridge.push(versionOf(await script.exec(bridged.keys, bridged.args)));
        replies.direct.push(versionOf(await directEval(RECORD_CHOICE_SCRIPT, direct.keys, direct.args)));
        replies.direct.push(versionOf(await directEval(RECORD_CHOICE_SCRIPT, direct.keys, direct.args)));
      }
      // Versions come from the Redis clock, so the two paths agree on the shape, not the digits.
      for (const versions of [replies.bridge, replies.direct]) {
        expect(versions).toHaveLength(6);
        expect(versions.every((v, i) => Number.isSafeInteger(v) && (i === 0 || v > versions[i - 1]!))).toBe(true);
      }
      const voters = votersKey(viaBridge(""), "default");
      expect(await upstash.hmget(voters, "voter-é🎉", "voter-é🎉:v")).toEqual([`${replies.bridge.at(-1)} a,b`, null]);
      expect(await upstash.ttl(voters)).toBeGreaterThan(3_500);
      // Loaded by the EVAL above, so EVALSHA now answers without a fallback.
      const sha = createHash("sha1").update(RECORD_CHOICE_SCRIPT).digest("hex");
      const again = voteArgs(viaBridge, "c");
      expect(versionOf(await upstash.evalsha(sha, again.keys, again.args))).toBeGreaterThan(replies.bridge.at(-1)!);
    });

    it("RATE_WINDOW_SCRIPT returns the same {count, ttl} array", async () => {
      const script = upstash.createScript<[number, number]>(RATE_WINDOW_SCRIPT);
      for (let i = 1; i <= 3; i++) {
        const viaUpstash = (await script.exec([viaBridge("rate")], [String(RATE_WINDOW_MS)])) as [number, number];
        const viaEval = (await upstash.eval(RATE_WINDOW_SCRIPT, [viaBridge("rate2")], [RATE_WINDOW_MS])) as [
          number,
          number,
        ];
        const viaNodeRedis = (await directEval(RATE_WINDOW_SCRIPT, [viaDirect("rate")], [String(RATE_WINDOW_MS)])) as [
          number,
          number,
        ];
        for (const reply of [viaUpstash, viaEval, viaNodeRedis]) {
          expect(reply).toHaveLength(2);
          expect(reply[0]).toBe(i);
          expect(typeof reply[1]).toBe("number");
          expect(reply[1]).toBeGreaterThan(RATE_WINDOW_MS - 5_000);
          expect(reply[1]).toBeLessThanOrEqual(RATE_WINDOW_MS);
        }
      }
    });

    it("CAST_BALLOT_SCRIPT records the choice and appends the same ballot to the stream", async () => {
      const castAt = "2026-01-02T03:04:05.000Z";
      const script = upstash.createScript<[number, number]>(CAST_BALLOT_SCRIPT);
      // What src/node/ballot-box.ts passes after the vote's arguments: the stream, and the ballot around its version.
      const head = JSON.stringify({ poll: "default", voter: "voter-é🎉", choice: "a" }).slice(0, -1);
      const cast = (via: (key: string) => string, choice: string) => {
        const { keys, args } = voteArgs(via, choice);
        const ballotHead = head.replace('"choice":"a"', `"choice":${JSON.stringify(choice)}`);
        return { keys: [...keys, via("stream")], args: [...args, ballotHead, `,"castAt":"${castAt}"}`] };
      };
      const a = { bridge: cast(viaBridge, "a"), direct: cast(viaDirect, "a") };
      const b = { bridge: cast(viaBridge, "b"), direct: cast(viaDirect, "b") };
      const fromBridge = [
        versionOf(await upstash.eval(CAST_BALLOT_SCRIPT, a.bridge.keys, a.bridge.args)),
        versionOf(await script.exec(b.bridge.keys, b.bridge.args)),
      ];
      const fromDirect = [
        versionOf(await directEval(CAST_BALLOT_SCRIPT, a.direct.keys, a.direct.args)),
        versionOf(await directEval(CAST_BALLOT_SCRIPT, b.direct.keys, b.direct.args)),
      ];
      expect(fromBridge[1]).toBeGreaterThan(fromBridge[0]!);
      expect(fromDirect[1]).toBeGreaterThan(fromDirect[0]!);

      const ballots = async (stream: string) => {
        const entries = (await direct.sendCommand(["XRANGE", stream, "-", "+"])) as [string, string[]][];
        return entries.map(([, fields]) => ({
          field: fields[0],
          ballot: JSON.parse(fields[1]!) as { version: number },
        }));
      };
      const written = await ballots(viaBridge("stream"));
      const withoutVersions = (list: typeof written) =>
        list.map(({ field, ballot }) => ({ field, ballot: { ...ballot, version: typeof ballot.version } }));
      expect(withoutVersions(written)).toEqual(withoutVersions(await ballots(viaDirect("stream"))));
      expect(written.map((entry) => entry.ballot.version)).toEqual(fromBridge);
      expect(written[1]).toEqual({
        field: "ballot",
        ballot: { poll: "default", voter: "voter-é🎉", choice: "b", version: fromBridge[1], castAt },
      });
    });

    it("takes Upstash's allow-key-locking flag, which stock Redis refuses: EVAL and then EVALSHA of the flagged script", async () => {
      const flagged = `${UPSTASH_SCRIPT_FLAGS}${RECORD_CHOICE_SCRIPT}`;
      const tried = voteArgs(viaDirect, "a", 60);
      const refused = await directEval(flagged, tried.keys, tried.args).then(
        () => "",
        (error: Error) => error.message,
      );
      expect(refused).toMatch(/flag/i);
      const script = upstash.createScript<[number, number]>(flagged);
      const first = voteArgs(viaBridge, "a", 60);
      const firstVersion = versionOf(await script.exec(first.keys, first.args));
      const sha = createHash("sha1").update(flagged).digest("hex");
      const second = voteArgs(viaBridge, "b", 60);
      const secondVersion = versionOf(await upstash.evalsha(sha, second.keys, second.args));
      expect(secondVersion).toBeGreaterThan(firstVersion);
      expect(await upstash.hget(votersKey(viaBridge(""), "default"), "voter-é🎉")).toBe(`${secondVersion} b`);
    });

    it("reports NOSCRIPT for an unknown sha as an UpstashError", async () => {
      const unknown = createHash("sha1")
        .update(`return '${randomBytes(8).toString("hex")}'`)
        .digest("hex");
      const failure = await upstash.evalsha(unknown, [], []).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(errors.UpstashError);
      expect((failure as Error).message).toContain("NOSCRIPT");
    });
  });

  describe("pipelines and transactions", () => {
    it("a pipeline gives the same results as the same commands sent directly", async () => {
      const fromBridge = await upstash
        .pipeline()
        .set(viaBridge("p"), "héllo 🎉")
        .incr(viaBridge("c"))
        .incr(viaBridge("c"))
        .get(viaBridge("p"))
        .hset(viaBridge("h"), { choice: "a" })
        .hget(viaBridge("h"), "choice")
        .get(viaBridge("missing"))
        .eval(COUNT_SCRIPT, [viaBridge("b")], ["x"])
        .exec();
      const fromDirect = await Promise.all([
        direct.sendCommand(["SET", viaDirect("p"), "héllo 🎉"]),
        direct.sendCommand(["INCR", viaDirect("c")]),
        direct.sendCommand(["INCR", viaDirect("c")]),
        direct.sendCommand(["GET", viaDirect("p")]),
        direct.sendCommand(["HSET", viaDirect("h"), "choice", "a"]),
        direct.sendCommand(["HGET", viaDirect("h"), "choice"]),
        direct.sendCommand(["GET", viaDirect("missing")]),
        direct.sendCommand(["EVAL", COUNT_SCRIPT, "1", viaDirect("b"), "x"]),
      ]);
      expect(fromBridge).toEqual(["OK", 1, 2, "héllo 🎉", 1, "a", null, 1]);
      expect(fromBridge).toEqual(fromDirect);
    });

    it("an error inside a pipeline is reported for that entry only", async () => {
      await direct.sendCommand(["SET", viaDirect("word"), "x"]);
      const message = await direct.sendCommand(["INCR", viaDirect("word")]).then(
        () => "",
        (error: Error) => error.message,
      );
      expect(message).toMatch(/^ERR value is not an integer/);

      const entries = await upstash
        .pipeline()
        .set(viaBridge("word"), "x")
        .incr(viaBridge("word"))
        .get(viaBridge("word"))
        .exec({ keepErrors: true });
      expect(entries).toEqual([{ result: "OK" }, { error: message }, { result: "x" }]);

      // Without keepErrors, the client turns the failed entry into an exception naming it.
      await expect(upstash.pipeline().get(viaBridge("word")).incr(viaBridge("word")).exec()).rejects.toThrow(
        /Command 2 \[ incr \] failed/,
      );
    });

    it("a transaction gives the same results as a direct MULTI/EXEC", async () => {
      const fromBridge = await upstash
        .multi()
        .set(viaBridge("t"), "é")
        .incr(viaBridge("n"))
        .get(viaBridge("t"))
        .eval(COUNT_SCRIPT, [viaBridge("b")], ["a"])
        .exec();
      const fromDirect = await direct
        .multi()
        .set(viaDirect("t"), "é")
        .incr(viaDirect("n"))
        .get(viaDirect("t"))
        .addCommand(["EVAL", COUNT_SCRIPT, "1", viaDirect("b"), "a"])
        .exec();
      expect(fromBridge).toEqual(["OK", 1, "é", 1]);
      expect(fromBridge).toEqual(fromDirect);
    });

    it("a transaction reports an error while running per entry, and refuses a malformed one as a whole", async () => {
      const entries = await upstash
        .multi()
        .set(viaBridge("w"), "x")
        .incr(viaBridge("w"))
        .get(viaBridge("w"))
        .exec({ keepErrors: true });
      expect(entries[0]).toEqual({ result: "OK" });
      expect(entries[1]?.error).toMatch(/^ERR value is not an integer/);
      expect(entries[2]).toEqual({ result: "x" });

      // A command refused while queueing (wrong arity): nothing runs, 400.
      const refused = await post("/multi-exec", JSON.stringify([["SET", viaBridge("never"), "v"], ["GET"]]));
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { error: string }).error).toMatch(/wrong number of arguments/);
      expect(await direct.sendCommand(["EXISTS", viaBridge("never")])).toBe(0);
    });

    it("a transaction is atomic while other requests run at the same time", async () => {
      const key = viaBridge("atomic");
      const transactions = Array.from({ length: 40 }, () =>
        post(
          "/multi-exec",
          JSON.stringify([
            ["INCR", key],
            ["INCR", key],
            ["INCR", key],
          ]),
        ).then(async (response) => (await response.json()) as { result: number }[]),
      );
      const singles = Array.from({ length: 40 }, () => upstash.incr(key));
      const [results] = await Promise.all([Promise.all(transactions), Promise.all(singles)]);
      for (const [first, second, third] of results) {
        expect([second!.result - first!.result, third!.result - second!.result]).toEqual([1, 1]);
      }
      expect(await direct.sendCommand(["GET", key])).toBe(String(40 * 3 + 40));
    });
  });

  it("auto-pipelines 200 concurrent INCRs: the final value is 200 and the replies are 1..200", async () => {
    const key = viaBridge("auto");
    const replies = await Promise.all(Array.from({ length: 200 }, () => upstash.incr(key)));
    expect(new Set(replies)).toEqual(new Set(Array.from({ length: 200 }, (_, i) => i + 1)));
    expect(await direct.sendCommand(["GET", key])).toBe("200");
  });

  it("runs @upstash/ratelimit's fixed window", async () => {
    // Buckets are aligned to the clock: a window longer than the test keeps all five calls in one.
    const limiter = new Ratelimit({
      redis: upstash,
      limiter: Ratelimit.fixedWindow(3, `${LONG_WINDOW_MS} ms`),
      prefix: `${prefix}ratelimit`,
      analytics: false,
    });
    const verdicts = [];
    for (let i = 0; i < 5; i++) verdicts.push(await limiter.limit("203.0.113.9"));
    expect(verdicts.map((verdict) => verdict.success)).toEqual([true, true, true, false, false]);
    expect(verdicts.map((verdict) => verdict.remaining)).toEqual([2, 1, 0, 0, 0]);
    for (const verdict of verdicts) {
      expect(verdict.reset).toBeGreaterThan(Date.now());
      expect(verdict.reset).toBeLessThanOrEqual(Date.now() + LONG_WINDOW_MS);
    }
    // The counter lives in Redis under the prefix, with the window as its TTL. The
    // 4th call reached Redis (4 > 3); the 5th was refused by the library's
    // in-memory cache of blocked identifiers without a round trip.
    const keys = await keysMatching(`${prefix}ratelimit*`);
    expect(keys).toHaveLength(1);
    expect(await direct.sendCommand(["GET", keys[0]!])).toBe("4");
    expect(await direct.sendCommand(["PTTL", keys[0]!])).toBeGreaterThan(0);
  });

  describe("authentication", () => {
    it("refuses a wrong token with 401, and the client throws", async () => {
      const wrong = new Redis({
        url: bridge.url,
        token: `${TOKEN}x`,
        automaticDeserialization: false,
        enableTelemetry: false,
      });
      await expect(wrong.ping()).rejects.toThrow(/Unauthorized/);
      const sameLength = await fetch(bridge.url, {
        method: "POST",
        body: '["PING"]',
        headers: { authorization: `Bearer ${"x".repeat(TOKEN.length)}` },
      });
      expect(sameLength.status).toBe(401);
      expect(await sameLength.json()).toEqual({ error: "Unauthorized" });
    });

    it("refuses a request without a token with 401", async () => {
      for (const headers of [{}, { authorization: TOKEN }, { authorization: "Basic abc" }] as Record<
        string,
        string
      >[]) {
        const response = await fetch(bridge.url, { method: "POST", body: '["PING"]', headers });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error: "Unauthorized" });
      }
    });
  });

  describe("bad input", () => {
    it("answers 400/404/413 and keeps serving", async () => {
      const cases: [string, string, number][] = [
        ["/", "not json", 400],
        ["/", '["GET", ', 400],
        ["/", '{"command": "PING"}', 400],
        ["/", "[]", 400],
        ["/", '"PING"', 400],
        ["/", '["SET", {"a": 1}, "v"]', 400],
        ["/", '["SUBSCRIBE", "channel"]', 400],
        ["/", '["SELECT", "1"]', 400],
        ["/", '["client", "reply", "off"]', 400],
        ["/", '["NOSUCHCOMMAND"]', 400],
        ["/pipeline", '["PING"]', 400],
        ["/pipeline", "[]", 400],
        ["/pipeline", "[[]]", 400],
        ["/multi-exec", '{"x": 1}', 400],
        ["/multi-exec", "", 400],
        ["/no-such-endpoint", "", 404],
        ["/pipeline/extra/segments", "[]", 404],
      ];
      for (const [path, body, status] of cases) {
        const response = await post(path, body);
        expect({ path, body, status: response.status }).toEqual({ path, body, status });
        expect(typeof ((await response.json()) as { error: unknown }).error).toBe("string");
      }

      const oversized = await post("/", JSON.stringify(["SET", viaBridge("big"), "x".repeat(1024 * 1024)]));
      expect(oversized.status).toBe(413);
      await oversized.arrayBuffer();
      expect(await direct.sendCommand(["EXISTS", viaBridge("big")])).toBe(0);

      // Just under the limit is fine.
      const large = await post("/", JSON.stringify(["SET", viaBridge("large"), "y".repeat(1024 * 1024 - 100)]));
      expect(large.status).toBe(200);
      expect(await direct.sendCommand(["STRLEN", viaBridge("large")])).toBe(1024 * 1024 - 100);

      expect(await upstash.ping()).toBe("PONG");
    });

    it("logs failed requests as JSON lines without the token", async () => {
      await post("/", "not json");
      const lines = logLines.slice();
      expect(lines.length).toBeGreaterThan(0);
      for (const line of lines) {
        expect(() => JSON.parse(line)).not.toThrow();
        expect(line).not.toContain(TOKEN);
      }
    });
  });

  it("runs a blocking command on a connection of its own, so other requests are not held up", async () => {
    const list = viaBridge("queue");
    const blocked = post("/", JSON.stringify(["BLPOP", list, 5]));
    const started = Date.now();
    expect(await upstash.ping()).toBe("PONG");
    expect(await upstash.incr(viaBridge("meanwhile"))).toBe(1);
    expect(Date.now() - started).toBeLessThan(2_000);
    await direct.sendCommand(["RPUSH", list, "job-🎉"]);
    const response = await blocked;
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ result: [list, "job-🎉"] });
  });

  it("refuses to start when Redis cannot be reached", async () => {
    await expect(
      startUpstashBridge({ redisUrl: "redis://127.0.0.1:1", token: TOKEN, port: 0, log: () => {} }),
    ).rejects.toThrow();
  });

  it("accepts the URL-path form of a command", async () => {
    const key = viaBridge("path/é 🎉");
    const set = await post(`/set/${encodeURIComponent(key)}/v`, "");
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ result: "OK" });

    const get = await fetch(`${bridge.url}/get/${encodeURIComponent(key)}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ result: "v" });
    expect(await direct.sendCommand(["GET", key])).toBe("v");

    // A POST body is the last argument; base64 encoding applies here too.
    await post(`/set/${encodeURIComponent(key)}`, "from the body 🎉");
    const encoded = await fetch(`${bridge.url}/get/${encodeURIComponent(key)}`, {
      headers: { authorization: `Bearer ${TOKEN}`, "upstash-encoding": "base64" },
    });
    expect(await encoded.json()).toEqual({ result: Buffer.from("from the body 🎉").toString("base64") });
  });

  it("encodes nested arrays in base64 mode and leaves numbers and nulls alone", async () => {
    const script = "return {'OK', 'é', 42, {'x', {'🎉'}}, false}";
    const response = await post("/", JSON.stringify(["EVAL", script, 0]), { "upstash-encoding": "base64" });
    const b64 = (text: string) => Buffer.from(text).toString("base64");
    expect(await response.json()).toEqual({ result: [b64("OK"), b64("é"), 42, [b64("x"), [b64("🎉")]], null] });
    expect(await upstash.eval(script, [], [])).toEqual(["OK", "é", 42, ["x", ["🎉"]], null]);
    expect(await direct.sendCommand(["EVAL", script, "0"])).toEqual(["OK", "é", 42, ["x", ["🎉"]], null]);

    const plain = await post("/", JSON.stringify(["EVAL", script, 0]));
    expect(await plain.json()).toEqual({ result: ["OK", "é", 42, ["x", ["🎉"]], null] });
  });
});
