#!/usr/bin/env node
/**
 * Benchmark (docs/performance.md): one stack of N spaces (default 200), its program run under
 * Pulumi's language runtime against the engine harness and the real provider host, emulator
 * latency 25 ms, server limit 20 requests/s. Each phase includes the program run, as `pulumi up`
 * does. Prints figures; never fails on timing.
 *
 *   npm run build && node test/bench/stack.bench.js [spaces=200] [latencyMs=25] [serverRps=20]
 */
const path = require("node:path");
const { GenieSpace } = require("pulumi-genie");
const { startEmulator } = require("pulumi-genie/emulator");
const { Engine, ProviderHost } = require("pulumi-genie/harness");

const N = Number(process.argv[2] ?? 200);
const LATENCY = Number(process.argv[3] ?? 25);
const RPS = Number(process.argv[4] ?? 20);
const ROOT = path.resolve(__dirname, "../..");

function space(i) {
  return {
    config: { sample_questions: [`How many orders did store ${i} take yesterday?`] },
    data_sources: { tables: [{ identifier: `main.retail.orders_${i}` }, { identifier: "main.retail.stores" }] },
    instructions: { text_instructions: [`Store ${i} closes at 20:00.`] },
  };
}

/** The stack program; `edit` changes one space's content. */
function program(edit) {
  return () => {
    for (let i = 0; i < N; i++) {
      new GenieSpace(`space-${i}`, { title: `Store ${i}`, warehouseId: "wh-bench", space: space(i === edit ? -i - 1 : i) });
    }
  };
}

async function main() {
  const emulator = await startEmulator({ latencyMs: LATENCY, rateLimit: RPS });
  const config = {
    "databricks:host": emulator.url,
    "databricks:token": emulator.token,
    "genie:requestsPerSecond": String(RPS),
  };
  const run = { project: "genie", stack: "bench", config };
  const host = await ProviderHost.start({ cwd: ROOT, project: run.project, config, env: { DATABRICKS_CONFIG_FILE: path.join(ROOT, "no-such-file") } });
  const engine = new Engine({ host, parallelism: 16 });
  const figures = [];
  const phase = async (name, fn) => {
    emulator.clearRequests();
    const t0 = process.hrtime.bigint();
    const result = await fn();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    const reqs = emulator.requests();
    const writes = reqs.filter((r) => r.method !== "GET").length;
    const throttled = reqs.filter((r) => r.status === 429).length;
    const bound = (reqs.length / RPS) * 1000;
    figures.push({ phase: name, requests: reqs.length, writes, throttled429: throttled, failed: result.failed, wallMs: Math.round(ms), boundMs: Math.round(bound), ratio: bound ? +(ms / bound).toFixed(3) : null });
    return result;
  };
  try {
    await phase(`up (create ${N})`, () => engine.up(program(), run));
    await phase("up (no-op)", () => engine.up(program(), run));
    await phase("refresh", () => engine.refresh());
    await phase("up (edit 1 space)", () => engine.up(program(7), run));
    const providerSize = Buffer.byteLength(engine.state()[0].inputs.__provider, "utf8");
    const stateBytes = Buffer.byteLength(engine.stateJson(), "utf8");
    await phase(`destroy (${N})`, () => engine.destroy());
    console.log(`spaces=${N} emulatorLatencyMs=${LATENCY} serverLimit=${RPS}/s clientLimit=${RPS}/s parallelism=16`);
    console.table(figures);
    console.log(`__provider size: ${providerSize} bytes per resource`);
    console.log(`state size: ${stateBytes} bytes total, ${Math.round(stateBytes / N)} bytes per space`);
    console.log(`GETs during refresh: ${figures[2].requests} for ${N} spaces`);
  } finally {
    await host.close();
    await emulator.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
