import { describe, expect, it } from "vitest";
import { createCookieSigner as createWorkersCookieSigner } from "../../src/cloudflare/cookie-signer.ts";
import { createCookieSigner as createNodeCookieSigner } from "../../src/node/cookie-signer.ts";
import { describeCookieSignerContract } from "../contract/ports/cookie-signer.ts";

// Both signers need no service, so their contract runs with the unit tests.
describeCookieSignerContract("Node: node:crypto HMAC", createNodeCookieSigner);
describeCookieSignerContract("Workers: WebCrypto HMAC", createWorkersCookieSigner);

describe("the voter cookie across runtimes", () => {
  it("is written the same by both signers, so a cookie set on one runtime is good on the other", async () => {
    const secret = "shared-cookie-secret-0123456789";
    const [node, workers] = [createNodeCookieSigner(secret), createWorkersCookieSigner(secret)];
    const voter = "0b7d1a52-3c7e-4d7a-9a51-2f0e8d6c4b11";
    expect(await node.sign(voter)).toBe(await workers.sign(voter));
    expect(await workers.verify(await node.sign(voter))).toBe(voter);
    expect(await node.verify(await workers.sign(voter))).toBe(voter);
  });
});
