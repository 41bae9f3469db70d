import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { isVoterId } from "../../domain/ballots.ts";

export const VOTER_COOKIE = "voter_id";
const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

/**
 * HMAC-SHA256 keys, imported once per secret. hono's signed-cookie helpers
 * import the key on every call; on the vote path that was the largest single
 * cost (80 µs of a request). The cookie format is the same as hono's:
 * `<value>.<base64 signature>`, URL-encoded.
 */
const keys = new Map<string, Promise<CryptoKey>>();
const encoder = new TextEncoder();

function keyFor(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
      "sign",
      "verify",
    ]);
    keys.set(secret, key);
  }
  return key;
}

async function signValue(value: string, secret: string): Promise<string> {
  const signature = await crypto.subtle.sign("HMAC", await keyFor(secret), encoder.encode(value));
  return `${value}.${btoa(String.fromCharCode(...new Uint8Array(signature)))}`;
}

/** The value if its signature is genuine, else undefined (constant-time check by WebCrypto). */
async function verifySignedValue(signed: string, secret: string): Promise<string | undefined> {
  const dot = signed.lastIndexOf(".");
  if (dot < 1) return undefined;
  const value = signed.slice(0, dot);
  let signature: Uint8Array<ArrayBuffer>;
  try {
    signature = Uint8Array.from(atob(signed.slice(dot + 1)), (ch) => ch.charCodeAt(0));
  } catch {
    return undefined;
  }
  if (signature.length !== 32) return undefined;
  const genuine = await crypto.subtle.verify("HMAC", await keyFor(secret), signature, encoder.encode(value));
  return genuine ? value : undefined;
}

/**
 * The voter id from the signed cookie, or a new one (then set on the
 * response). A cookie that is missing, unsigned, forged or not a UUID is
 * replaced, never trusted.
 */
export async function ensureVoter(c: Context, secret: string): Promise<{ id: string; isNew: boolean }> {
  const cookie = getCookie(c, VOTER_COOKIE);
  const existing = cookie ? await verifySignedValue(cookie, secret) : undefined;
  if (isVoterId(existing)) return { id: existing, isNew: false };
  const id = crypto.randomUUID();
  setCookie(c, VOTER_COOKIE, await signValue(id, secret), {
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
