import type { Randomness } from "../../src/core/ports.ts";

/**
 * Ids and tokens of the same shape as src/core/random.ts's (12 and 43
 * URL-safe characters), numbered instead of random, so a test knows them.
 */
export function createSequentialRandomness(): Randomness {
  let polls = 0;
  let tokens = 0;
  return {
    pollId: () => `poll${String(++polls).padStart(8, "0")}`,
    manageToken: () => `token${String(++tokens).padStart(38, "0")}`,
  };
}
