#!/usr/bin/env node
/*
 * Benchmark: load, validate and serialize 1,000 generated space files (30 tables and
 * 100 instructions each). Prints figures; never fails on timing.
 *
 * Run from the repository root:
 *   npx tsc -p tsconfig.json && node test/bench/space-files.bench.js [fileCount] [yaml|json|both]
 *
 * The same spaces are written as YAML and as JSON. YAML is parsed with js-yaml (a schema matching
 * the `yaml` package's YAML 1.2 core); the `yaml` package re-reads only files with a problem, for
 * positions. Folders above the worker threshold are validated on worker threads plus the calling
 * thread. After the end-to-end figures, a single-threaded breakdown per phase is printed.
 */
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const YAML = require("yaml");
const { loadSpaceFiles, toSerializedSpace } = require("../../dist/provider/lib/space");
const { fastParseYaml } = require("../../dist/provider/lib/space/fast-yaml");
const { loadSpaceText } = require("../../dist/provider/lib/space/files");
const { workerScript, workerCount, WORKER_THRESHOLD } = require("../../dist/provider/lib/space/file-pool");

const FILES = Number(process.argv[2] || 1000);
const FORMATS = (process.argv[3] || "both") === "both" ? ["yaml", "json"] : [process.argv[3]];
const TABLES = 30;
const EXAMPLES = 89; // + 10 SQL functions + 1 text block = 100 instructions (the product limit)
const FUNCTIONS = 10;

function spaceYaml(n) {
  const lines = [
    `name: space_${n}`,
    `title: "Benchmark space ${n} (\${env})"`,
    "warehouse_id: ${warehouse_id}",
    "config:",
    "  sample_questions:",
    ...Array.from({ length: 5 }, (_, i) => `    - "Sample question ${i} of space ${n}?"`),
    "data_sources:",
    "  tables:",
  ];
  for (let t = 0; t < TABLES; t++) {
    lines.push(
      `    - identifier: \${catalog}.sales.table_${String(t).padStart(2, "0")}`,
      `      description: "Table ${t} of space ${n}. One row per event."`,
      "      column_configs:",
      ...["id", "amount", "region"].map((c, i) => [
        `        - column_name: ${c}`,
        ...(i < 2 ? [`          description: "Column ${c} of table ${t}"`] : []),
        "          synonyms: [alt_" + c + ", other_" + c + "]",
        "          enable_format_assistance: true",
        ...(c === "region" ? ["          enable_entity_matching: true"] : []),
      ].join("\n")),
    );
  }
  lines.push("instructions:", "  text_instructions:", "    - content: |", "        Fiscal year starts on February 1.", "        Amounts are USD.");
  lines.push("  example_question_sqls:");
  for (let e = 0; e < EXAMPLES; e++) {
    lines.push(
      `    - question: "Revenue by region for example ${e} of space ${n}?"`,
      "      sql: |",
      "        SELECT region, SUM(amount) AS revenue",
      `        FROM \${catalog}.sales.table_${String(e % TABLES).padStart(2, "0")}`,
      "        WHERE event_date >= :start_date",
      "        GROUP BY region",
      "      parameters:",
      "        - name: start_date",
      "          type_hint: DATE",
      "          default_value: 2026-01-01",
    );
  }
  lines.push("  sql_functions:", ...Array.from({ length: FUNCTIONS }, (_, f) => `    - \${catalog}.udfs.fn_${f}`));
  lines.push("  join_specs:");
  for (let j = 0; j < 20; j++) {
    lines.push(
      `    - left: {identifier: "\${catalog}.sales.table_${String(j).padStart(2, "0")}", alias: l}`,
      `      right: {identifier: "\${catalog}.sales.table_${String(j + 1).padStart(2, "0")}", alias: r}`,
      "      sql: \"`l`.`id` = `r`.`id`\"",
      "      relationship: many_to_one",
    );
  }
  lines.push("  sql_snippets:", "    measures:");
  for (let m = 0; m < 30; m++) lines.push(`      - alias: measure_${m}`, `        sql: SUM(amount_${m})`);
  lines.push("benchmarks:", "  questions:");
  for (let b = 0; b < 10; b++) lines.push(`    - question: "Benchmark ${b}?"`, "      expected_sql: SELECT 1");
  return lines.join("\n") + "\n";
}

async function run(format) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "space-bench-"));
  try {
    // One template per format; each file differs by its number (so ids and names differ).
    const yamlTemplate = spaceYaml("@N@");
    const template = format === "yaml" ? yamlTemplate : JSON.stringify(YAML.parse(yamlTemplate), null, 1);
    let bytes = 0;
    for (let n = 0; n < FILES; n++) {
      const text = template.split("@N@").join(String(n));
      bytes += text.length;
      fs.writeFileSync(path.join(dir, `space_${String(n).padStart(4, "0")}.${format}`), text);
    }
    if (global.gc) global.gc();
    let peakHeap = process.memoryUsage().heapUsed;
    const sampler = setInterval(() => { peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed); }, 5);

    const cpu0 = process.cpuUsage();
    const started = process.hrtime.bigint();
    const spaces = await loadSpaceFiles(dir, { env: "bench", variables: { catalog: "main", warehouse_id: "abcdef0123456789" } });
    const loaded = process.hrtime.bigint();
    const cpu1 = process.cpuUsage();
    let bodyBytes = 0;
    for (const s of spaces) bodyBytes += toSerializedSpace(s.definition).length;
    const done = process.hrtime.bigint();
    const cpu2 = process.cpuUsage();
    // CPU time of all threads (workers included): a figure other processes on the machine barely change.
    const cpu = (a, b) => ((b.user - a.user + b.system - a.system) / 1e6).toFixed(2);
    clearInterval(sampler);
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);

    const seconds = Number(done - started) / 1e9;
    const mb = (x) => (x / 1024 / 1024).toFixed(1);
    console.log(`${format.toUpperCase()} space files (node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)} before the run)`);
    console.log(`  files:               ${spaces.length} (${mb(bytes)} MiB; ${TABLES} tables, ${EXAMPLES + FUNCTIONS + 1} instructions each)`);
    console.log(`  load + validate:     ${(Number(loaded - started) / 1e9).toFixed(2)} s (CPU, all threads: ${cpu(cpu0, cpu1)} s)`);
    console.log(`  serialize:           ${(Number(done - loaded) / 1e9).toFixed(2)} s (CPU: ${cpu(cpu1, cpu2)} s; ${mb(bodyBytes)} MiB of serialized_space)`);
    console.log(`  total:               ${seconds.toFixed(2)} s = ${(spaces.length / seconds).toFixed(0)} files/s (goal: 1,000 files in < 2 s)`);
    const threads = spaces.length > WORKER_THRESHOLD && workerScript() ? `${workerCount() - 1} worker(s) + the main thread` : "in process";
    console.log(`  threads:             ${threads}`);
    console.log(`  peak RSS so far:     ${mb(process.resourceUsage().maxRSS * 1024)} MiB (whole process, workers included)`);
    console.log(`  peak heap (sampled): ${mb(peakHeap)} MiB (main thread)`);
    breakdown(dir, format);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Single-threaded cost per phase (ms per file), on the same files: where the time goes. */
function breakdown(dir, format) {
  const files = fs.readdirSync(dir).sort().map((f) => path.join(dir, f)).slice(0, 200);
  const vars = { env: "bench", catalog: "main", warehouse_id: "abcdef0123456789" };
  const time = (fn) => { const t = process.hrtime.bigint(); fn(); return Number(process.hrtime.bigint() - t) / 1e6 / files.length; };
  let texts = [];
  const read = time(() => { texts = files.map((f) => fs.readFileSync(f, "utf8")); });
  const parse = time(() => texts.forEach((t) => (format === "json" ? JSON.parse(t) : fastParseYaml(t))));
  let outcomes = [];
  const all = time(() => { outcomes = texts.map((t, i) => loadSpaceText(files[i], t, vars)); });
  const serialize = time(() => outcomes.forEach((o) => toSerializedSpace(o.spaces[0].space.definition)));
  const f = (x) => x.toFixed(2).padStart(5);
  console.log(`  per file, one thread (${files.length} files):`);
  console.log(`    read ${f(read)} ms | parse ${f(parse)} ms | variables + validate + canonical ${f(all - parse)} ms | toSerializedSpace ${f(serialize)} ms`);
}

async function main() {
  for (const format of FORMATS) await run(format);
}

main().catch((e) => {
  console.error(String(e && e.message ? e.message : e).split("\n").slice(0, 20).join("\n"));
  process.exitCode = 1;
});
