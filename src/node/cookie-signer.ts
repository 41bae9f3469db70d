import { createHmac, createSecretKey, timingSafeEqual } from "node:crypto";
import { splitSigned } from "../core/cookie-signature.ts";
import type { CookieSigner } from "../core/ports.ts";

/**
 * The voter cookie's HMAC-SHA256 with Node's synchronous crypto: a couple of
 * microseconds in the request's own turn, where WebCrypto's sign goes through
 * the thread pool (a fifth of the vote path's CPU when profiled; docs/capacity.md). Same format
 * as the Workers' WebCrypto signer, so cookies move freely between the two.
 */
export function createCookieSigner(secret: string): CookieSigner {
  const key = createSecretKey(Buffer.from(secret));
  const mac = (value: string) => createHmac("sha256", key).update(value);
  return {
    async sign(value) {
      return `${value}.${mac(value).digest("base64")}`;
    },
    async verify(signed) {
      const parts = splitSigned(signed);
      if (!parts) return undefined;
      return timingSafeEqual(parts.signature, mac(parts.value).digest()) ? parts.value : undefined;
    },
  };
}
