import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { CookieSigner } from "../../core/ports.ts";
import { isVoterId } from "../../domain/ballots.ts";
import { addCookie } from "../responses.ts";

export const VOTER_COOKIE = "voter_id";
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;
const encoder = new TextEncoder();

/**
 * HMAC-SHA256 with WebCrypto, the key imported once (hono's signed-cookie
 * helpers import it on every call). The format is hono's:
 * `<value>.<base64 signature>`. Node uses its synchronous HMAC instead
 * (src/node/hmac-signer.ts): WebCrypto's thread-pool round trip was a fifth
 * of a vote's CPU time there.
 */
export function createWebCryptoSigner(secret: string): CookieSigner {
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

/**
 * The voter id from the signed cookie, or a new one (then set on the
 * response). A cookie that is missing, unsigned, forged or not a UUID is
 * replaced, never trusted.
 */
export async function ensureVoter(c: Context, signer: CookieSigner): Promise<{ id: string; isNew: boolean }> {
  const cookie = getCookie(c, VOTER_COOKIE);
  const existing = cookie ? await signer.verify(cookie) : undefined;
  if (isVoterId(existing)) return { id: existing, isNew: false };
  const id = crypto.randomUUID();
  addCookie(c, VOTER_COOKIE, await signer.sign(id), {
    path: "/",
    httpOnly: true,
    sameSite: "Lax",
    secure: isHttps(c),
    maxAge: ONE_YEAR_SECONDS,
  });
  return { id, isNew: true };
}

/** https directly, or behind a proxy that says so (ingress, Cloudflare). */
function isHttps(c: Context): boolean {
  return c.req.header("x-forwarded-proto") === "https" || c.req.url.startsWith("https:");
}
