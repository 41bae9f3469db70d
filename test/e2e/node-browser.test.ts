import { freePort } from "../helpers/browser.ts";
import { startEntry } from "../helpers/processes.ts";
import { createTestDatabase, createTestRedis, waitFor } from "../helpers/services.ts";
import { describeVoterInBrowser } from "./browser-flow.ts";

describeVoterInBrowser("Node: npm run start:web + start:consumer", async () => {
  const [db, redis] = await Promise.all([createTestDatabase(), createTestRedis()]);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = { DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, COOKIE_SECRET: "browser-test-secret-0123456789" };
  const web = startEntry("web", { ...env, PORT: String(port) });
  const consumer = startEntry("consumer", { ...env, PORT: "0" });
  await waitFor(
    async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok,
    `the web server (${web.output()})`,
  );
  return {
    base,
    async stop() {
      for (const started of [web, consumer]) started.child.kill("SIGTERM");
      await Promise.all([web.exited, consumer.exited]);
      await Promise.all([db.drop(), redis.cleanup()]);
    },
  };
});
