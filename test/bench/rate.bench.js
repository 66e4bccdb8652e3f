#!/usr/bin/env node
/**
 * Benchmark: the client on its defaults (budget 20 requests/s) against a server that allows
 * 5, 10, 20 or 50 requests/s, which the client is not told. N spaces (default 200) are created
 * (`up`) and then read back (`refresh`) through the real provider host, each phase in a fresh
 * provider process as `pulumi up` and `pulumi refresh` would start, emulator latency 25 ms,
 * engine parallelism 16. Then one `up` during which the server relaxes (5 → 50 requests/s).
 * Prints figures; never fails on timing.
 *
 *   npm run build && node test/bench/rate.bench.js [spaces=200] [limits=5,10,20,50] [latencyMs=25]
 *
 * span   first request's arrival at the server to the last one's
 * bound  max(N ÷ server limit, N ÷ client budget)
 * ratio  span ÷ bound
 * 429s   answers of 429, of all requests the phase sent (retries included)
 * wall   the phase as the engine saw it (provider process start excluded)
 */
const path = require("node:path");
const { GenieSpace } = require("pulumi-genie");
const { startEmulator } = require("pulumi-genie/emulator");
const { captureProgram, Engine, ProviderHost } = require("pulumi-genie/harness");

const N = Number(process.argv[2] ?? 200);
const LIMITS = (process.argv[3] ?? "5,10,20,50").split(",").map(Number);
const LATENCY = Number(process.argv[4] ?? 25);
const BUDGET = 20; // the client's default requestsPerSecond; the bench does not set it
const RELAX = { from: 5, to: 50, afterMs: 10_000 };
const ROOT = path.resolve(__dirname, "../..");

async function declare(config) {
  const { resources } = await captureProgram(
    () => {
      for (let i = 0; i < N; i++) {
        new GenieSpace(`space-${i}`, {
          title: `Store ${i}`,
          warehouseId: "wh-bench",
          space: { data_sources: { tables: [{ identifier: `main.retail.orders_${i}` }] }, instructions: { text_instructions: [`Store ${i} closes at 20:00.`] } },
        });
      }
    },
    { project: "genie", stack: "bench", config },
  );
  return resources;
}

/** Runs `fn` with a fresh provider process (the learned rate starts over, as in a new `pulumi` command). */
async function withHost(config, fn) {
  const host = await ProviderHost.start({ cwd: ROOT, config, env: { DATABRICKS_CONFIG_FILE: path.join(ROOT, "no-such-file") } });
  try {
    return await fn(host);
  } finally {
    await host.close();
  }
}

async function measure(emulator, phase, serverLimit, fn) {
  emulator.clearRequests();
  const t0 = process.hrtime.bigint();
  const result = await fn();
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const reqs = emulator.requests();
  const times = reqs.map((r) => r.time);
  const spanMs = Math.max(...times) - Math.min(...times);
  const boundMs = (N / Math.min(serverLimit, BUDGET)) * 1000;
  const throttled = reqs.filter((r) => r.status === 429).length;
  if (result.failed) console.error(`${phase} at ${serverLimit}/s: ${result.failed} steps failed`);
  return {
    phase,
    "server limit": serverLimit,
    "client budget": BUDGET,
    "span s": +(spanMs / 1000).toFixed(2),
    "bound s": +(boundMs / 1000).toFixed(2),
    ratio: +(spanMs / boundMs).toFixed(3),
    "429s": throttled,
    requests: reqs.length,
    "429 %": +((100 * throttled) / reqs.length).toFixed(1),
    "wall s": +(wallMs / 1000).toFixed(2),
    failed: result.failed,
  };
}

async function run(serverLimit, rows) {
  const emulator = await startEmulator({ latencyMs: LATENCY, rateLimit: serverLimit });
  try {
    const config = { "databricks:host": emulator.url, "databricks:token": emulator.token };
    const resources = await declare(config);
    let state;
    await withHost(config, async (host) => {
      const engine = new Engine({ host, parallelism: 16 });
      rows.push(await measure(emulator, `up (create ${N})`, serverLimit, () => engine.up(resources)));
      state = engine.state();
    });
    await withHost(config, async (host) => {
      const engine = new Engine({ host, parallelism: 16, state });
      rows.push(await measure(emulator, `refresh (GET ${N})`, serverLimit, () => engine.refresh()));
    });
  } finally {
    await emulator.close();
  }
}

/** `up` while the server raises its limit part-way through. */
async function runRelaxing({ from, to, afterMs }) {
  const emulator = await startEmulator({ latencyMs: LATENCY, rateLimit: from });
  try {
    const config = { "databricks:host": emulator.url, "databricks:token": emulator.token };
    const resources = await declare(config);
    return await withHost(config, async (host) => {
      const engine = new Engine({ host, parallelism: 16 });
      const timer = setTimeout(() => emulator.setOptions({ rateLimit: to }), afterMs);
      const row = await measure(emulator, `up (create ${N}), ${from} → ${to}/s after ${afterMs / 1000} s`, from, () => engine.up(resources));
      clearTimeout(timer);
      // What a client that knew both limits could do: the first limit (and its full bucket) until
      // the change, then the lesser of the new limit and the budget.
      const before = from * (1 + afterMs / 1000);
      const boundMs = N <= before ? (N / from) * 1000 : afterMs + ((N - before) / Math.min(to, BUDGET)) * 1000;
      return { ...row, "bound s": +(boundMs / 1000).toFixed(2), ratio: +((row["span s"] * 1000) / boundMs).toFixed(3) };
    });
  } finally {
    await emulator.close();
  }
}

async function main() {
  const rows = [];
  for (const limit of LIMITS) await run(limit, rows);
  const relaxed = await runRelaxing(RELAX);
  console.log(`spaces=${N} emulatorLatencyMs=${LATENCY} clientBudget=${BUDGET}/s (default, not configured) parallelism=16 node=${process.version}`);
  console.table(rows);
  console.log("The server relaxes mid-run (bound: its first limit until the change, then the client budget):");
  console.table([relaxed]);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
