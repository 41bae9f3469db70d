/**
 * A local stand-in for Upstash Redis: an HTTP server that speaks Upstash's
 * REST protocol (what `@upstash/redis` sends) and forwards every command to a
 * real Redis over TCP. It exists for `wrangler dev` (offline) and for tests;
 * in production the Worker talks to a real Upstash database instead.
 *
 *   POST /            ["SET", "k", "v"]            -> {"result": "OK"}
 *   POST /pipeline    [["INCR", "a"], ["GET", "b"]] -> [{"result": 1}, {"error": "..."}]
 *   POST /multi-exec  same body, run as MULTI/EXEC  -> same shape, atomically
 *   GET|POST /get/k   the command in the URL path (a POST body becomes the last argument)
 *
 * `Authorization: Bearer <token>` is required. With `Upstash-Encoding: base64`
 * every string in a result is base64 of its bytes, except a top-level "OK".
 *
 * Run it: `node tools/upstash-bridge.ts` (REDIS_URL, UPSTASH_BRIDGE_PORT,
 * UPSTASH_REDIS_REST_TOKEN).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createClient, ErrorReply, MultiErrorReply, RESP_TYPES } from "@redis/client";

export interface UpstashBridgeOptions {
  redisUrl: string;
  token: string;
  /** 0 picks any free port. Default 8079. */
  port?: number;
  host?: string;
  log?: (line: string) => void;
  /**
   * For tests: a command this returns a message for is refused with it, as
   * Upstash refuses a database that is full or over its limits (400 and
   * `{"error": message}` for the request; per entry inside a transaction).
   */
  refuse?: (command: readonly string[]) => string | undefined;
}

export interface UpstashBridge {
  url: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

/** Commands that would change the state of the shared connection: Upstash's REST API refuses them too. */
const REFUSED = new Set([
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "SYNC",
  "PSYNC",
  "SELECT",
  "SWAPDB",
  "QUIT",
  "RESET",
  "HELLO",
  "AUTH",
  "MULTI",
  "EXEC",
  "DISCARD",
  "WATCH",
  "UNWATCH",
  "CLIENT REPLY",
  "CLIENT TRACKING",
  "CLIENT CACHING",
]);

/** Commands that can block: they get a connection of their own so they stall no one else. */
const BLOCKING = new Set([
  "BLPOP",
  "BRPOP",
  "BLMOVE",
  "BRPOPLPUSH",
  "BLMPOP",
  "BZPOPMIN",
  "BZPOPMAX",
  "BZMPOP",
  "WAIT",
  "WAITAOF",
]);

type Command = string[];

/** The part of a node-redis client the bridge uses. */
interface Connection {
  sendCommand(args: Command): Promise<unknown>;
  multi(): { addCommand(args: Command): unknown; exec(): Promise<unknown[]> };
  close(): Promise<void>;
  destroy(): void;
}

/** A request the bridge refuses itself (bad JSON, wrong shape, refused command): 400 `{"error"}`. */
class CommandError extends Error {
  status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

export async function startUpstashBridge(options: UpstashBridgeOptions): Promise<UpstashBridge> {
  const log = options.log ?? ((line: string) => console.error(line));
  const expected = Buffer.from(`Bearer ${options.token}`);

  // Bulk strings as Buffers: base64 of the exact bytes, even for non-UTF-8 values.
  const connect = async (): Promise<Connection> => {
    let connected = false;
    const client = createClient({
      url: options.redisUrl,
      RESP: 2,
      disableOfflineQueue: true, // Redis down: fail the request now rather than hang it
      socket: {
        connectTimeout: 3_000,
        // The first connection must succeed; after that, reconnect with backoff.
        reconnectStrategy: (retries, cause) => (connected ? Math.min(50 * 2 ** retries, 2_000) : cause),
      },
    }).withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    client.on("error", (error: Error) => {
      if (connected) log(JSON.stringify({ bridge: "redis error", error: error.message }));
    });
    await client.connect();
    connected = true;
    return client as unknown as Connection;
  };
  const redis = await connect();

  // Known command names, so that a path like /favicon.ico is a 404 rather than a Redis error.
  let commandNames: Set<string> | undefined;
  try {
    const names = (await redis.sendCommand(["COMMAND", "LIST"])) as Buffer[];
    commandNames = new Set(names.map((name) => String(name).toUpperCase()));
  } catch {
    // Redis before 7.0: any first path segment counts as a command.
  }

  const isolated = new Set<Connection>();
  async function onOwnConnection<T>(run: (connection: Connection) => Promise<T>): Promise<T> {
    const connection = await connect();
    isolated.add(connection);
    try {
      return await run(connection);
    } finally {
      isolated.delete(connection);
      connection.destroy();
    }
  }

  function refused(command: Command): void {
    const message = options.refuse?.(command);
    if (message) throw new CommandError(message);
  }

  async function single(command: Command): Promise<unknown> {
    refused(command);
    return isBlocking(command) ? onOwnConnection((c) => c.sendCommand(command)) : redis.sendCommand(command);
  }

  /** Every command is sent at once (node-redis pipelines them in order); each succeeds or fails on its own. */
  async function pipeline(commands: Command[]): Promise<Entry[]> {
    const run = async (connection: Connection) => {
      const settled = await Promise.allSettled(commands.map((command) => connection.sendCommand(command)));
      return settled.map((outcome): Entry => {
        if (outcome.status === "fulfilled") return { result: outcome.value };
        if (outcome.reason instanceof ErrorReply) return { error: outcome.reason.message };
        throw outcome.reason;
      });
    };
    return commands.some(isBlocking) ? onOwnConnection(run) : run(redis);
  }

  /** client.multi() writes MULTI, the commands and EXEC as one unit: nothing else interleaves. */
  async function multiExec(commands: Command[]): Promise<Entry[]> {
    const transaction = redis.multi();
    for (const command of commands) transaction.addCommand(command);
    let replies: unknown[];
    try {
      replies = await transaction.exec();
    } catch (error) {
      // Errors raised while EXEC ran (WRONGTYPE...): reported per entry.
      if (error instanceof MultiErrorReply) replies = error.replies;
      // A command refused while queueing (syntax, arity): EXECABORT, nothing ran.
      else throw error;
    }
    return replies.map((reply) => (reply instanceof ErrorReply ? { error: reply.message } : { result: reply }));
  }

  async function handle(request: IncomingMessage, body: Buffer): Promise<Reply> {
    if (!authorized(request.headers.authorization, expected)) return [401, { error: "Unauthorized" }];
    const path = (request.url ?? "/").split("?")[0]!.replace(/\/+$/, "");
    const base64 = String(request.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const method = request.method ?? "GET";

    if (path === "" || path === "/pipeline" || path === "/multi-exec") {
      if (method !== "POST") return [405, { error: "Method not allowed" }];
      const parsed = parseJson(body);
      if (path === "") {
        const result = await single(toCommand(parsed));
        return [200, { result: encode(result, base64, true) }];
      }
      if (!Array.isArray(parsed) || parsed.length === 0)
        throw new CommandError("ERR the body must be a non-empty array of commands");
      const commands = parsed.map(toCommand);
      for (const command of commands) refused(command);
      const entries = path === "/pipeline" ? await pipeline(commands) : await multiExec(commands);
      return [200, entries.map((entry) => ("error" in entry ? entry : { result: encode(entry.result, base64, true) }))];
    }

    // The URL-path form: /set/key/value; a POST body is the last argument.
    if (!path.startsWith("/")) return [404, { error: "Not found" }];
    if (method !== "GET" && method !== "POST") return [405, { error: "Method not allowed" }];
    let command: Command;
    try {
      command = path
        .split("/")
        .slice(1)
        .map((segment) => decodeURIComponent(segment));
    } catch {
      throw new CommandError("ERR malformed URL encoding in the path");
    }
    if (commandNames && !commandNames.has(command[0]!.toUpperCase())) return [404, { error: "Not found" }];
    if (method === "POST" && body.length > 0) command.push(body.toString("utf8"));
    const result = await single(toCommand(command));
    return [200, { result: encode(result, base64, true) }];
  }

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk); // past the limit: drained, not kept
    });
    request.on("error", () => response.destroy());
    request.on("end", () => {
      const done = (reply: Reply, error?: string) => {
        send(response, reply);
        if (reply[0] >= 400) {
          const endpoint = (request.url ?? "/").split(/[/?]/)[1] || "/";
          log(
            JSON.stringify({
              bridge: "request failed",
              status: reply[0],
              method: request.method,
              endpoint,
              error: error ?? "",
            }),
          );
        }
      };
      if (size > MAX_BODY) return done([413, { error: "ERR request body is larger than 1 MiB" }]);
      handle(request, Buffer.concat(chunks)).then(
        (reply) => done(reply, reply[0] >= 400 ? (reply[1] as { error: string }).error : undefined),
        (error: unknown) => {
          // A Redis error reply is the caller's answer (400, as Upstash does); anything else means Redis is unreachable.
          if (error instanceof CommandError) return done([error.status, { error: error.message }], error.message);
          if (error instanceof ErrorReply) return done([400, { error: error.message }], error.message);
          const message = error instanceof Error ? error.message : String(error);
          done([503, { error: `ERR bridge: ${message}` }], message);
        },
      );
    });
  });
  server.on("clientError", (_error, socket) => socket.destroy());

  try {
    await new Promise<void>((ready, fail) => {
      server.once("error", fail);
      server.listen(options.port ?? 8079, options.host ?? "127.0.0.1", () => ready());
    });
  } catch (error) {
    redis.destroy(); // e.g. the port is taken: don't leave the process hanging on Redis
    throw error;
  }
  const port = (server.address() as AddressInfo).port;
  const host = options.host ?? "127.0.0.1";

  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    async close() {
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await closed;
      for (const connection of isolated) connection.destroy();
      await redis.close().catch(() => redis.destroy());
    },
  };
}

type Entry = { result: unknown } | { error: string };
type Reply = [status: number, body: unknown];

function send(response: ServerResponse, [status, body]: Reply): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  response.end(text);
}

/** Constant-time comparison of the Authorization header with "Bearer <token>". */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const given = Buffer.from(header ?? "");
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected); // same work either way
    return false;
  }
  return timingSafeEqual(given, expected);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    throw new CommandError("ERR the body is not valid JSON");
  }
}

/** One command: a non-empty array of strings, numbers, booleans (or null), all sent as strings. */
function toCommand(value: unknown): Command {
  if (!Array.isArray(value) || value.length === 0) throw new CommandError("ERR a command must be a non-empty array");
  const command = value.map((arg) => {
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean" || arg === null) return String(arg);
    throw new CommandError("ERR command arguments must be strings, numbers or booleans");
  });
  const name = command[0]!.toUpperCase();
  const withSubcommand = `${name} ${(command[1] ?? "").toUpperCase()}`;
  if (REFUSED.has(name) || REFUSED.has(withSubcommand)) {
    throw new CommandError(`ERR ${REFUSED.has(name) ? name : withSubcommand} is not supported over the REST API`);
  }
  return withStockScripts(command);
}

/** Upstash's own shebang flag: run the script under per-key locks instead of the global one. */
const UPSTASH_FLAG = "allow-key-locking";
/** The SHA1 a client computed for a flagged script -> the SHA1 of what stock Redis was given. */
const strippedScripts = new Map<string, string>();

/**
 * Scripts as stock Redis takes them: Upstash's `allow-key-locking` flag is
 * removed from a `#!lua flags=...` line (Redis 7 refuses flags it doesn't
 * know), and an EVALSHA of the flagged script's SHA1 (what the client
 * computed) is sent with the SHA1 of the stripped one.
 */
function withStockScripts(command: Command): Command {
  const name = command[0]!.toUpperCase();
  const at =
    name === "EVAL" || name === "EVAL_RO" ? 1 : name === "SCRIPT" && command[1]?.toUpperCase() === "LOAD" ? 2 : -1;
  if (at > 0) {
    const script = command[at] ?? "";
    const stripped = stripUpstashFlag(script);
    if (stripped === script) return command;
    strippedScripts.set(sha1(script), sha1(stripped));
    return command.map((arg, i) => (i === at ? stripped : arg));
  }
  if (name === "EVALSHA" || name === "EVALSHA_RO") {
    const stock = strippedScripts.get((command[1] ?? "").toLowerCase());
    if (stock) return command.map((arg, i) => (i === 1 ? stock : arg));
  }
  return command;
}

function stripUpstashFlag(script: string): string {
  const shebang = /^#!lua( flags=([^\n]*))?\n/.exec(script);
  if (!shebang?.[2]) return script;
  const flags = shebang[2].split(",").filter((flag) => flag.trim() !== UPSTASH_FLAG);
  return `#!lua${flags.length > 0 ? ` flags=${flags.join(",")}` : ""}\n${script.slice(shebang[0].length)}`;
}

function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function isBlocking(command: Command): boolean {
  const name = command[0]!.toUpperCase();
  if (BLOCKING.has(name)) return true;
  return (name === "XREAD" || name === "XREADGROUP") && command.some((arg) => arg.toUpperCase() === "BLOCK");
}

/**
 * A Redis reply as Upstash's JSON: with base64 on, every string becomes
 * base64 of its bytes except a top-level "OK", which the client leaves as is
 * (inside an array it would decode "OK" as base64, so there it is encoded too).
 */
function encode(value: unknown, base64: boolean, top = false): unknown {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return base64 ? value.toString("base64") : value.toString("utf8");
  if (typeof value === "string")
    return base64 && !(top && value === "OK") ? Buffer.from(value).toString("base64") : value;
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map((item) => encode(item, base64));
  if (value instanceof Error) return encode(value.message, base64);
  return encode(String(value), base64);
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  const bridge = await startUpstashBridge({
    redisUrl,
    token: process.env.UPSTASH_REDIS_REST_TOKEN || "local-dev-token",
    port: Number(process.env.UPSTASH_BRIDGE_PORT || 8079),
  });
  const shown = new URL(redisUrl);
  shown.username = shown.password = "";
  console.log(`Upstash bridge on ${bridge.url} -> ${shown.toString().replace(/\/$/, "")}`);
  const stop = () => {
    bridge.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
