import { createChallenge, randomInt } from "altcha-lib";
import { deriveKey } from "altcha-lib/algorithms/sha";
import { verify } from "altcha-lib/frameworks/shared";
import type { Challenges } from "../core/ports.ts";

/** How long a challenge may be solved and used (and so how long the vote store remembers a used one). */
const CHALLENGE_TTL_MS = 10 * 60 * 1000;

/**
 * ALTCHA's proof of work with altcha-lib (WebCrypto, so the same on Node and
 * Workers): SHA-256 in its deterministic mode, where the client searches for
 * a counter between half of `difficulty` and all of it. Each challenge is
 * signed with a key derived from `secret` and names its poll, so a solution
 * for one poll can't vote in another; the solution's single use is the vote
 * store's to enforce (the challenge's nonce is its id).
 */
export function createChallenges(secret: string, difficulty: number): Challenges {
  const keys = Promise.all([derive(secret, "altcha-signature"), derive(secret, "altcha-key-signature")]);
  return {
    async create(poll) {
      const [hmacSignatureSecret, hmacKeySignatureSecret] = await keys;
      return createChallenge({
        algorithm: "SHA-256",
        cost: 1,
        counter: randomInt(Math.floor(difficulty / 2), difficulty),
        deriveKey,
        hmacSignatureSecret,
        hmacKeySignatureSecret,
        data: { poll },
        expiresAt: new Date(Date.now() + CHALLENGE_TTL_MS),
      });
    },
    async verify(solution, poll) {
      const [hmacSignatureSecret, hmacKeySignatureSecret] = await keys;
      if (typeof solution !== "string" && (typeof solution !== "object" || solution === null)) return { ok: false };
      const checked = await verify(solution as string, deriveKey, hmacSignatureSecret, hmacKeySignatureSecret);
      const parameters = (checked.payload as { challenge?: { parameters?: ChallengeParameters } } | null)?.challenge
        ?.parameters;
      if (checked.error || !parameters || parameters.data?.poll !== poll || typeof parameters.nonce !== "string") {
        return { ok: false };
      }
      const expiresMs = Number(parameters.expiresAt) * 1000;
      return { ok: true, id: parameters.nonce, ttlMs: Math.max(1_000, expiresMs - Date.now() + 60_000) };
    },
  };
}

interface ChallengeParameters {
  nonce?: unknown;
  expiresAt?: unknown;
  data?: { poll?: unknown };
}

/** A secret of its own for each use, from the app's one (HMAC-SHA256 of the label), hex. */
async function derive(secret: string, label: string): Promise<string> {
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(label));
  return [...new Uint8Array(mac)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}
