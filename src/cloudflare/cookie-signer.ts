import { splitSigned } from "../core/cookie-signature.ts";
import type { CookieSigner } from "../core/ports.ts";

const encoder = new TextEncoder();

/**
 * The voter cookie's HMAC-SHA256 with WebCrypto, the key imported once
 * (hono's signed-cookie helpers import it on every call), in hono's format.
 */
export function createCookieSigner(secret: string): CookieSigner {
  const key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  return {
    async sign(value) {
      const signature = await crypto.subtle.sign("HMAC", await key, encoder.encode(value));
      return `${value}.${btoa(String.fromCharCode(...new Uint8Array(signature)))}`;
    },
    async verify(signed) {
      const parts = splitSigned(signed);
      if (!parts) return undefined;
      const genuine = await crypto.subtle.verify("HMAC", await key, parts.signature, encoder.encode(parts.value));
      return genuine ? parts.value : undefined;
    },
  };
}
