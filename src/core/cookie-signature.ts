/**
 * The signed cookie's format, hono's own: `<value>.<base64 HMAC-SHA256>`.
 * Both runtimes' signers (src/node/cookie-signer.ts, src/cloudflare/cookie-signer.ts)
 * write and read it, so a cookie set by one is good on the other.
 */

/** `<value>.<base64 signature>` taken apart; undefined unless the signature is 32 bytes of base64. */
export function splitSigned(signed: string): { value: string; signature: Uint8Array<ArrayBuffer> } | undefined {
  const dot = signed.lastIndexOf(".");
  if (dot < 1) return undefined;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = Uint8Array.from(atob(signed.slice(dot + 1)), (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
  return signature.length === 32 ? { value: signed.slice(0, dot), signature } : undefined;
}
