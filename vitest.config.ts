import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    globalSetup: ["test/helpers/global-setup.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.{ts,tsx}"] } },
      {
        extends: true,
        test: { name: "integration", include: ["test/integration/**/*.test.{ts,tsx}"], testTimeout: 60_000, hookTimeout: 60_000 },
      },
      {
        extends: true,
        test: { name: "chaos", include: ["test/chaos/**/*.test.ts"], testTimeout: 180_000, hookTimeout: 60_000 },
      },
      { extends: true, test: { name: "k8s", include: ["test/k8s/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 } },
      {
        extends: true,
        test: { name: "e2e", include: ["test/e2e/**/*.test.ts"], testTimeout: 120_000, hookTimeout: 120_000 },
      },
    ],
  },
});
