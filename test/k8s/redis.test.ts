import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@redis/client";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/ports.ts";
import { type Any, overlayView, redisOf, toolMissing } from "./objects.ts";
import { kubectlMissing, OVERLAYS, README, readmeSection, renderOverlays } from "./render.ts";
import type { KubeObject } from "./schema.ts";

const readme = readFileSync(README, "utf8");
const rendered = kubectlMissing ? new Map<string, KubeObject[]>() : renderOverlays();

describe.skipIf(kubectlMissing).each(OVERLAYS)("the %s overlay: data stores", (overlay) => {
  const { objects, ofKind, find } = overlayView(rendered, overlay);

  it("states when an answered vote reaches the disk (appendfsync), production before it answers, and the README gives each setting's bound", () => {
    const args = redisOf(objects()).args;
    const fsync = args[args.indexOf("--appendfsync") + 1];
    expect(["always", "everysec"], "appendfsync set explicitly").toContain(fsync);
    if (overlay === "production") expect(fsync).toBe("always");
    const durability = readmeSection(readme, "Durability");
    for (const setting of ["always", "everysec", "no"]) {
      expect(durability, setting).toMatch(new RegExp(`\\| \`${setting}\`[^\\n]*\\|[^\\n]*\\d`));
    }
    expect(durability).toContain(`\`${overlay}\``);
  });

  it("keeps PostgreSQL and Redis in StatefulSets with volume claims; Redis appends to disk", () => {
    for (const name of ["db", "redis"]) {
      const set = find("StatefulSet", "vote", name) as Any;
      expect(set?.spec.volumeClaimTemplates?.[0]?.spec.accessModes, name).toEqual(["ReadWriteOnce"]);
    }
    const redis = redisOf(objects());
    expect(redis.args.join(" ")).toMatch(/--appendonly yes/);
    const postgres = (find("StatefulSet", "vote", "db") as Any).spec.template.spec.containers.find(
      (c: Any) => c.name === "postgres",
    );
    const pgdata = postgres.env.find((v: Any) => v.name === "PGDATA").value as string;
    const mount = postgres.volumeMounts.find((m: Any) => m.name === "data").mountPath as string;
    expect(pgdata.startsWith(`${mount}/`)).toBe(true);
    const kinds = objects()
      .filter((o) => o.kind === "Deployment")
      .map((o) => o.metadata.name);
    expect(kinds).not.toContain("db");
    expect(kinds).not.toContain("redis");
  });

  it("bounds Redis with maxmemory well below its memory limit, and never evicts (a full Redis refuses writes)", () => {
    const redis = redisOf(objects());
    expect(redis.args.join(" ")).toMatch(/--maxmemory-policy noeviction/);
    expect(redis.maxmemory, "maxmemory is set").toBeGreaterThan(0);
    // The rest of the limit is for fragmentation, the process and the copy-on-write of a forked AOF rewrite.
    expect(redis.maxmemory / redis.limit).toBeLessThanOrEqual(0.65);
    expect(redis.maxmemory / redis.limit).toBeGreaterThanOrEqual(0.4);
    expect(redis.request, "memory request = limit: not the first pod evicted when full").toBe(redis.limit);
    const config = ofKind("ConfigMap").find((c) => c.metadata.name.startsWith("vote-config")) as Any;
    expect(Number(config.data.VOTER_STATE_TTL_SECONDS), "voter state expires").toBeGreaterThan(0);
    expect(config.data.VOTER_STATE_TTL_SECONDS).toMatch(/^\d+$/);
  });
});

const redisServerMissing = toolMissing("redis-server", "the overlays' Redis arguments are not run");

/**
 * redis-server with an overlay's rendered arguments: only the data directory
 * (a temporary one), the password (the Secret's value) and where it listens
 * differ. The local redis-server may be an older 7.x than the image's.
 */
async function startRedis(args: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "k8s-redis-"));
  const port = await freePort();
  const password = "redis-test-password";
  const own = args.map((arg, i) => (args[i - 1] === "--dir" ? dir : args[i - 1] === "--requirepass" ? password : arg));
  const server: ChildProcess = spawn("redis-server", [...own, "--port", String(port), "--bind", "127.0.0.1"], {
    stdio: "ignore",
  });
  const client = createClient({ url: `redis://127.0.0.1:${port}`, password, socket: { reconnectStrategy: false } });
  client.on("error", () => {});
  for (let attempt = 0; ; attempt++) {
    try {
      await client.connect();
      break;
    } catch (error) {
      if (attempt > 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  const stop = async () => {
    await client.close().catch(() => {});
    server.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  return { client, server, port, password, stop };
}

const started: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const stop of started) await stop();
});

async function refusal(run: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await run();
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

// Writes voters and queued votes shaped like the app's, 5,000 a call, until Redis refuses.
const FILL = `
for i = 1, 5000 do
  local n = ARGV[1] * 5000 + i
  redis.call('HSET', 'vote:voter:default:' .. n, 'choice', 'a', 'version', 1764000000000 + n)
  redis.call('XADD', 'vote:votes', '*', 'poll', 'default', 'voter', 'v-' .. n, 'choice', 'a', 'version', 1764000000000 + n, 'castAt', '2026-11-29T22:00:00.000Z')
end
return 5000`;

describe.skipIf(kubectlMissing || redisServerMissing)("Redis, run with the overlays' rendered arguments", () => {
  it.each(OVERLAYS)(
    "%s: takes them, and reports their maxmemory, noeviction and the append-only file",
    async (overlay) => {
      const redis = redisOf(rendered.get(overlay) ?? []);
      const { client, stop } = await startRedis(redis.args);
      started.push(stop);
      const config = await client.configGet("*");
      expect(Number(config.maxmemory)).toBe(redis.maxmemory);
      expect(config["maxmemory-policy"]).toBe("noeviction");
      expect(config.appendonly).toBe("yes");
      expect(config.appendfsync).toBe(redis.args[redis.args.indexOf("--appendfsync") + 1]);
      await stop();
    },
  );

  it("rotates its password as the README does it: two valid in between, then only the new one", async () => {
    const section = readmeSection(readme, "Rotate passwords and secrets");
    const steps = [...section.matchAll(/redis-cli (ACL SETUSER default '([<>])\$(OLD|NEW)')/g)].map((m) => ({
      op: m[2]!,
      which: m[3]!,
    }));
    expect(steps).toEqual([
      { op: ">", which: "NEW" },
      { op: "<", which: "OLD" },
    ]);
    const redis = redisOf(rendered.get(OVERLAYS[0]!) ?? []);
    const { client, port, password: OLD, stop } = await startRedis(redis.args);
    started.push(stop);
    const NEW = "redis-rotated-password";
    const login = async (password: string) => {
      const other = createClient({ url: `redis://127.0.0.1:${port}`, password, socket: { reconnectStrategy: false } });
      other.on("error", () => {});
      try {
        await other.connect();
        return await other.ping();
      } catch (error) {
        return (error as Error).message;
      } finally {
        await other.close().catch(() => {});
      }
    };
    const pass = { OLD, NEW } as Record<string, string>;
    await client.sendCommand(["ACL", "SETUSER", "default", `${steps[0]!.op}${pass[steps[0]!.which]}`]);
    expect([await login(OLD), await login(NEW)]).toEqual(["PONG", "PONG"]);
    await client.sendCommand(["ACL", "SETUSER", "default", `${steps[1]!.op}${pass[steps[1]!.which]}`]);
    expect(await login(NEW)).toBe("PONG");
    expect(await login(OLD)).toMatch(/WRONGPASS|invalid/);
    await stop();
  });

  it("when full refuses writes with OOM, still serves reads and the consumers' drain, stays under its limit, and takes writes again once drained", async () => {
    // The smallest maxmemory fills fastest; the ratio to the limit is the same everywhere (tested above).
    const redis = OVERLAYS.map((overlay) => redisOf(rendered.get(overlay) ?? [])).sort(
      (a, b) => a.maxmemory - b.maxmemory,
    )[0]!;
    const { client, server, stop } = await startRedis(redis.args);
    started.push(stop);
    await client.sendCommand(["XGROUP", "CREATE", "vote:votes", "consumers", "$", "MKSTREAM"]);

    let refused: string | undefined;
    for (let call = 0; call < 10_000 && !refused; call++) {
      refused = await refusal(() => client.sendCommand(["EVAL", FILL, "0", String(call)]));
    }
    expect(refused).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    expect(await refusal(() => client.set("another", "write"))).toMatch(/^OOM/);
    const info = await client.info("memory");
    const used = Number(/used_memory:(\d+)/.exec(info)![1]);
    expect(used / redis.maxmemory).toBeGreaterThan(0.98);

    // Reads, and everything a consumer does, go on.
    expect(await client.ping()).toBe("PONG");
    expect(await client.hGet("vote:voter:default:1", "choice")).toBe("a");
    const batch = await client.xReadGroup("consumers", "c1", { key: "vote:votes", id: ">" }, { COUNT: 100 });
    const messages = ((batch as Any)?.[0]?.messages ?? []) as { id: string }[];
    const ids = messages.map((entry) => entry.id);
    expect(ids).toHaveLength(100);
    expect(await client.xAck("vote:votes", "consumers", ids)).toBe(100);
    expect(await client.xDel("vote:votes", ids)).toBe(100);

    // Full, the process holds well under the container's limit: the rest is for a forked rewrite's copy-on-write.
    const status = `/proc/${server.pid}/status`;
    if (existsSync(status)) {
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(status, "utf8"))![1]) * 1024;
      expect(rss).toBeLessThan(redis.limit - redis.maxmemory / 4);
    }

    // Once the consumers have drained the stream, votes are taken again.
    await client.sendCommand(["XTRIM", "vote:votes", "MAXLEN", "0"]);
    expect(await client.set("another", "write")).toBe("OK");
    await stop();
  }, 120_000);
});
