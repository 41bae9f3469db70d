import { describe, expect, it } from "vitest";
import type { CookieSigner } from "../../../src/core/ports.ts";

const SECRET = "contract-cookie-secret-0123456789";

/**
 * What the voter cookie relies on from a CookieSigner: `verify` gives back
 * exactly what a signer with the same secret signed, and nothing for a
 * changed value, a changed or missing signature, or another secret.
 */
export function describeCookieSignerContract(name: string, create: (secret: string) => CookieSigner): void {
  describe(`a CookieSigner (${name})`, () => {
    const voter = "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11";

    it("verifies what it signed, giving back the value", async () => {
      const signer = create(SECRET);
      const signed = await signer.sign(voter);
      expect(signed.startsWith(`${voter}.`)).toBe(true);
      expect(await signer.verify(signed)).toBe(voter);
      expect(await signer.verify(await signer.sign("a.value.with.dots"))).toBe("a.value.with.dots");
    });

    it("gives nothing for a changed value, a changed signature, or no signature", async () => {
      const signer = create(SECRET);
      const signed = await signer.sign(voter);
      const signature = signed.slice(voter.length + 1);
      const forged = "00000000-0000-4000-8000-000000000000";
      expect(await signer.verify(`${forged}.${signature}`)).toBeUndefined();
      expect(await signer.verify(`${voter}.${signature.slice(1)}x`)).toBeUndefined();
      expect(await signer.verify(voter)).toBeUndefined();
      expect(await signer.verify(`${voter}.`)).toBeUndefined();
      expect(await signer.verify("")).toBeUndefined();
    });

    it("verifies what another signer with the same secret signed, and nothing another secret signed", async () => {
      const signed = await create(SECRET).sign(voter);
      expect(await create(SECRET).verify(signed)).toBe(voter);
      expect(await create(`${SECRET}-other`).verify(signed)).toBeUndefined();
    });
  });
}
