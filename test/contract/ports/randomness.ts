import { describe, expect, it } from "vitest";
import type { Randomness } from "../../../src/core/ports.ts";
import { isPollId } from "../../../src/domain/polls.ts";

/**
 * What creating polls relies on from Randomness: a poll id the routes take
 * for a created poll's (12 URL-safe characters), a manage token of 43
 * URL-safe characters (256 bits), and no value twice.
 */
export function describeRandomnessContract(name: string, create: () => Randomness): void {
  describe(`a Randomness (${name})`, () => {
    it("gives poll ids of a created poll's shape, never the same twice", () => {
      const random = create();
      const ids = Array.from({ length: 100 }, () => random.pollId());
      for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{12}$/);
      expect(ids.every((id) => isPollId(id) && id !== "default")).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it("gives manage tokens of 43 URL-safe characters, never the same twice", () => {
      const random = create();
      const tokens = Array.from({ length: 100 }, () => random.manageToken());
      for (const token of tokens) expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(new Set(tokens).size).toBe(tokens.length);
    });
  });
}
