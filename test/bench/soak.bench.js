#!/usr/bin/env node
// Full-size soak (docs/performance.md): 300 creates through the built client, concurrency 16,
// with 15 % 503, 10 % 429 and 3 % reset-after-commit on create. Prints figures; exits non-zero only
// on a correctness failure (wrong count, duplicates, failed operations), never on timing.
// Usage: npx tsc -p tsconfig.json && node test/bench/soak.bench.js [creates] [concurrency] [--production-defaults]
// --production-defaults: the client's real defaults (20 req/s, 0.5–30 s backoff, Retry-After honored
// in full) instead of the quick tuning (200 req/s, 20–250 ms backoff).
"use strict";
const { runSoak } = require("../../dist/provider/tools/emulator/soak.js");

async function main() {
  const args = process.argv.slice(2).filter((a) => !a.startsWith("--"));
  const productionDefaults = process.argv.includes("--production-defaults");
  const creates = Number(args[0] || 300);
  const concurrency = Number(args[1] || 16);
  const r = await runSoak({ creates, concurrency, faults: true, productionDefaults });
  const ok = r.created === creates && r.distinct === creates && r.spaces === creates && r.duplicates === 0 && r.failed === 0;
  const faults = Object.entries(r.faultsInjected).map(([k, v]) => `${k}=${v}`).join(" ") || "none";
  console.log(`soak: ${creates} creates, concurrency ${concurrency}, faults on create: 15% 503, 10% 429, 3% reset-after-commit; client tuning: ${productionDefaults ? "production defaults" : "quick"}`);
  console.log(`  created ${r.created}, distinct ${r.distinct}, spaces on server ${r.spaces}, duplicates ${r.duplicates}, failed ${r.failed}`);
  console.log(`  HTTP requests ${r.requests} (${(r.requests / creates).toFixed(2)} per create), retries ${r.retries}, 429s ${r.throttled}`);
  console.log(`  faults injected: ${faults}`);
  console.log(`  wall ${r.wallMs} ms (${((creates * 1000) / r.wallMs).toFixed(1)} creates/s)`);
  for (const e of r.errors.slice(0, 5)) console.log(`  error: ${e}`);
  console.log(ok ? "soak: OK" : "soak: FAILED");
  process.exitCode = ok ? 0 : 1;
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
