import type { CookieSigner } from "../../src/core/ports.ts";

/** 32-bit FNV-1a, hex: a checksum, not a MAC. */
function checksum(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}

/**
 * A CookieSigner with the real ones' semantics (`<value>.<signature>`; only
 * a value signed with the same secret verifies) and none of their
 * cryptography: the signature is a checksum of the secret and the value.
 * For tests only: anyone can forge it.
 */
export function createMemoryCookieSigner(secret: string): CookieSigner {
  const signatureOf = (value: string) => checksum(`${secret}\u0000${value}`);
  return {
    async sign(value) {
      return `${value}.${signatureOf(value)}`;
    },
    async verify(signed) {
      const dot = signed.lastIndexOf(".");
      if (dot < 1) return undefined;
      const value = signed.slice(0, dot);
      return signed.slice(dot + 1) === signatureOf(value) ? value : undefined;
    },
  };
}
