import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports.ts";
import { type Started, startEntry } from "../helpers/processes.ts";
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
  waitFor,
} from "../helpers/services.ts";

/**
 * A client that writes its whole request before it reads a byte of the
 * answer, as Python's urllib does (without half-closing): the raw bytes, then whatever comes back
 * (or the error the connection ends with).
 */
function sendWholeThenRead(port: number, head: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk.toString("latin1")));
    // Whatever came back once the server closes; a server that never does fails the test in 10 s.
    socket.setTimeout(10_000, () => socket.destroy());
    socket.on("close", () => resolve(answer));
    socket.on("error", (error) => (answer ? resolve(answer) : reject(error)));
    socket.write(head);
    socket.write(body);
  });
}

describe("a request body over the limit", () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let web: Started;
  let port: number;

  beforeAll(async () => {
    [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
    port = await freePort();
    web = startEntry("web", { DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, PORT: String(port) });
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok, "the web");
  });
  afterAll(async () => {
    web.child.kill("SIGTERM");
    await web.exited;
    await Promise.all([db.drop(), redis.cleanup()]);
  });

  it("gets its 413 read by a client that sends all of it first, then the connection closes", async () => {
    const body = Buffer.alloc(4 * 1024 * 1024, "a");
    for (let i = 0; i < 5; i++) {
      const answer = await sendWholeThenRead(
        port,
        `POST /vote HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 413 /);
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    }
  });

  it("is refused the same when it comes in chunks of unknown length", async () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const chunked = Buffer.concat(
      [...Array(16)].flatMap(() => [Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]),
    );
    const answer = await sendWholeThenRead(
      port,
      "POST /api/votes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
      Buffer.concat([chunked, Buffer.from("0\r\n\r\n")]),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('{"error":"Request body too large (limit 4096 bytes)."}');
  });

  it("takes a small body that comes in chunks of unknown length", async () => {
    const vote = Buffer.from('{"vote":"a"}');
    const answer = await sendWholeThenRead(
      port,
      "POST /api/votes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
      Buffer.concat([Buffer.from(`${vote.length.toString(16)}\r\n`), vote, Buffer.from("\r\n0\r\n\r\n")]),
    );
    expect(answer).toMatch(/^HTTP\/1\.1 202 /);
  });
});
