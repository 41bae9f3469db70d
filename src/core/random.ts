import type { Randomness } from "./ports.ts";

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** Ids and tokens from the platform's cryptographic random source (WebCrypto, in both runtimes). */
export function createRandomness(): Randomness {
  return {
    // 9 bytes: 12 URL-safe characters, 72 bits, as short as a link to type and too many to guess.
    pollId: () => base64url(randomBytes(9)),
    // 32 bytes: 256 bits; only its SHA-256 is stored.
    manageToken: () => base64url(randomBytes(32)),
  };
}
