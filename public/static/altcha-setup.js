// Gives ALTCHA's widget (the "external" build, loaded just before this) its
// proof-of-work worker as a file of this origin. The default build starts its
// workers from blob: URLs and injects a <style>, which the CSP (script-src,
// worker-src and style-src 'self') refuses; this way it needs no exception.
for (const algorithm of ["SHA-256", "SHA-384", "SHA-512"]) {
  globalThis.$altcha?.algorithms.set(algorithm, () => new Worker("/static/altcha-sha-worker.js"));
}
