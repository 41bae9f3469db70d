import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SETTINGS } from "../../src/core/config.ts";

const DOC = readFileSync(new URL("../../docs/configuration.md", import.meta.url), "utf8");

describe("docs/configuration.md", () => {
  it.each(Object.keys(SETTINGS))("names the setting %s the config schema reads", (name) => {
    expect(DOC).toContain(`\`${name}\``);
  });
});
