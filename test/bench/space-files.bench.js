#!/usr/bin/env node
/*
 * Benchmark: space files as real stacks have them. Prints figures; never fails on timing.
 *
 * Run from the repository root (the benchmark loads the build):
 *   npx tsc -p tsconfig.json && node test/bench/space-files.bench.js [options]
 *
 *   (default)             200 realistic space files of 3–10 KB (a few tables with column configs,
 *                         instructions, example SQL, joins, snippets, benchmarks, ${var} references):
 *                         load + validate + serialize, the first run (what `validate` does in a fresh
 *                         process) and the median of the next runs, with a per-phase breakdown.
 *                         Goal: under 1 s for the 200 files.
 *   --files N             how many realistic files (default 200)
 *   --runs N              runs after the first (default 5)
 *   --json                write the realistic files as JSON instead of YAML
 *   --synthetic [N]       the old large synthetic run: N files (default 1000) of ~50 KB, each at the
 *                         product limits (30 tables, 100 instructions)
 *   --pathological        hostile single files: 20,000 / 40,000 / 200,000 unknown keys, duplicate
 *                         keys, a list of 200,000 invalid items, an alias bomb, a 9 MB string; time to
 *                         the error, problems listed and counted. Goal: seconds for any input < 10 MB.
 *
 * Figures on a shared machine are noisy: the load average before each run and the CPU time (which
 * other processes change far less than wall time) are printed with every figure.
 */
"use strict";
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const YAML = require("yaml");

const DIST = path.join(__dirname, "..", "..", "dist", "provider", "lib", "space");
const { loadSpaceFiles, toSerializedSpace, SpaceFileError } = require(DIST);
const { listSpaceFiles, readSpaceText } = require(path.join(DIST, "folder"));
const { parseYaml } = require(path.join(DIST, "positions"));
const { loadSpaceText } = require(path.join(DIST, "files"));

const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const value = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined && !args[i + 1].startsWith("--") ? Number(args[i + 1]) : fallback;
};

const VARIABLES = { catalog: "main", schema: "sales", warehouse_id: "abcdef0123456789" };
const mb = (bytes) => (bytes / 1024 / 1024).toFixed(2);
const ms = (ns) => (Number(ns) / 1e6).toFixed(0);
const load = () => os.loadavg()[0].toFixed(2);
const rss = () => mb(process.resourceUsage().maxRSS * 1024);
const cpuMs = (c) => ((c.user + c.system) / 1000).toFixed(0);

// ------------------------------------------------------------------------------------------------
// Realistic space files
// ------------------------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32), so every run writes the same files. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TABLES = ["orders", "customers", "products", "stores", "returns", "inventory", "promotions", "payments", "shipments", "suppliers", "employees", "regions"];
const COLUMNS = ["id", "customer_id", "store_id", "product_id", "amount", "net_amount", "quantity", "region", "channel", "status",
  "created_at", "updated_at", "category", "brand", "loyalty_tier", "email", "country", "currency", "discount", "margin"];
const WORDS = ("revenue customers orders last week month quarter year by region store top average total net gross returns share "
  + "growth trend compared previous period channel category brand per day active new basket margin stock").split(" ");

/** One space file as a team writes it: 2–5 tables, 3–7 examples, joins, snippets, benchmarks, ${variables}. */
function realisticSpace(n) {
  const r = random(n * 7919 + 17);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const int = (a, b) => a + Math.floor(r() * (b - a + 1));
  const words = (k) => Array.from({ length: k }, () => pick(WORDS)).join(" ");
  const q = (s) => JSON.stringify(s);
  const shuffled = (xs) => xs.map((x) => [r(), x]).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
  const tables = shuffled(TABLES).slice(0, int(2, 5));
  const singular = (t) => t.replace(/s$/, "");
  const L = [
    `name: space_${n}`,
    `title: ${q(`Space ${n}: ${words(3)} (\${env})`)}`,
    `description: ${q(`Questions about ${tables.join(", ")}`)}`,
    "warehouse_id: ${warehouse_id}",
    "parent_path: /Workspace/Shared/genie/${env}",
    "config:",
    "  sample_questions:",
    ...Array.from({ length: int(2, 5) }, (_, i) => `    - ${q(`What is the ${words(4)} (${i})?`)}`),
    "data_sources:",
    "  tables:",
  ];
  for (const t of tables) {
    L.push(`    - identifier: \${catalog}.\${schema}.${t}`, `      description: ${q(`One row per ${singular(t)}. ${words(6)}.`)}`, "      column_configs:");
    for (const c of shuffled(COLUMNS).slice(0, int(3, 6))) {
      L.push(`        - column_name: ${c}`);
      if (r() < 0.7) L.push(`          description: ${q(`${c.replace(/_/g, " ")}: ${words(5)}`)}`);
      if (r() < 0.5) L.push(`          synonyms: [${[...new Set(Array.from({ length: int(1, 3) }, () => pick(WORDS)))].join(", ")}]`);
      if (r() < 0.1) L.push("          exclude: true");
      else if (r() < 0.5) {
        L.push("          enable_format_assistance: true");
        if (r() < 0.5) L.push("          enable_entity_matching: true");
      }
    }
  }
  L.push("instructions:", "  text_instructions:", "    - |");
  for (let i = int(3, 7); i > 0; i--) L.push(`      ${words(int(6, 14))}.`);
  L.push("  example_question_sqls:");
  for (let e = int(3, 7); e > 0; e--) {
    const t = pick(tables);
    L.push(`    - question: ${q(`${words(5)} (${e})?`)}`, "      sql: |",
      "        SELECT region, SUM(net_amount) AS revenue", `        FROM \${catalog}.\${schema}.${t}`,
      "        WHERE created_at >= :start_date AND status = 'COMPLETE'", "        GROUP BY region", "        ORDER BY revenue DESC");
    if (r() < 0.5) L.push("      parameters:", "        - name: start_date", "          type_hint: DATE", "          default_value: 2026-01-01");
    if (r() < 0.4) L.push(`      usage_guidance: ${q(words(8))}`);
  }
  if (r() < 0.5) L.push("  sql_functions:", "    - ${catalog}.${schema}.fiscal_quarter");
  L.push("  join_specs:");
  for (let j = 1; j < tables.length && j <= 3; j++) {
    L.push(`    - left: {identifier: "\${catalog}.\${schema}.${tables[0]}", alias: ${tables[0]}}`,
      `      right: {identifier: "\${catalog}.\${schema}.${tables[j]}", alias: ${tables[j]}}`,
      `      sql: "\`${tables[0]}\`.\`${singular(tables[j])}_id\` = \`${tables[j]}\`.\`id\`"`,
      `      relationship: ${pick(["many_to_one", "one_to_many", "one_to_one"])}`);
  }
  L.push("  sql_snippets:", "    filters:");
  for (let f = int(1, 3); f > 0; f--) L.push(`      - display_name: ${q(`filter ${f}: ${words(2)}`)}`, `        sql: ${q(`${tables[0]}.amount > ${f * 100}`)}`);
  L.push("    measures:");
  for (let m = int(1, 4); m > 0; m--) {
    L.push(`      - alias: measure_${m}`, `        display_name: ${q(`Measure ${m}`)}`, `        sql: SUM(${tables[0]}.net_amount * ${m})`, `        synonyms: [${pick(WORDS)}]`);
  }
  L.push("benchmarks:", "  questions:");
  for (let b = int(2, 5); b > 0; b--) {
    L.push(`    - question: ${q(`${words(6)} (${b})?`)}`, "      expected_sql: |", `        SELECT COUNT(*) FROM \${catalog}.\${schema}.${pick(tables)}`, "        WHERE status = 'COMPLETE'");
  }
  return L.join("\n") + "\n";
}

function writeRealistic(dir, count, json) {
  const sizes = [];
  for (let n = 0; n < count; n++) {
    const yamlText = realisticSpace(n);
    const text = json ? JSON.stringify(YAML.parse(yamlText), null, 2) + "\n" : yamlText;
    sizes.push(Buffer.byteLength(text));
    fs.writeFileSync(path.join(dir, `space_${String(n).padStart(4, "0")}.${json ? "json" : "yaml"}`), text);
  }
  return sizes;
}

/** load + validate + serialize every space: what `validate`, `pulumi preview` and `up` do with a folder. */
async function loadAndSerialize(dir) {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  const spaces = await loadSpaceFiles(dir, { env: "bench", variables: VARIABLES });
  let bytes = 0;
  for (const s of spaces) bytes += toSerializedSpace(s.definition).length;
  return { ns: process.hrtime.bigint() - started, cpu: process.cpuUsage(cpu), spaces: spaces.length, bytes };
}

/** Cost of each phase on the same files, in process, one after the other; each the best of three (less noise). */
async function phases(dir) {
  const time = async (fn) => {
    let best;
    for (let i = 0; i < 3; i++) {
      const t = process.hrtime.bigint();
      const result = await fn();
      const ns = process.hrtime.bigint() - t;
      if (!best || ns < best.ns) best = { ns, result };
    }
    return best;
  };
  const vars = { env: "bench", ...VARIABLES };
  const list = await time(() => listSpaceFiles(dir));
  const files = list.result.files;
  const read = await time(async () => { const out = []; for (const f of files) out.push((await readSpaceText(f, true)).text); return out; });
  const texts = read.result;
  const parse = await time(() => texts.forEach((t, i) => (files[i].endsWith(".json") ? JSON.parse(t) : parseYaml(t).toJS())));
  // loadSpaceText parses too: validation is its time minus parsing's.
  const all = await time(() => texts.map((t, i) => loadSpaceText(files[i], t, vars)));
  const serialize = await time(() => all.result.forEach((o) => o.spaces.forEach((s) => toSerializedSpace(s.space.definition))));
  return { list: list.ns, read: read.ns, parse: parse.ns, validate: all.ns - parse.ns, serialize: serialize.ns };
}

async function realistic() {
  const count = value("--files", 200);
  const runs = value("--runs", 5);
  const json = flag("--json");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "space-bench-"));
  try {
    const sizes = writeRealistic(dir, count, json);
    const total = sizes.reduce((a, b) => a + b, 0);
    console.log(`Realistic space files (node ${process.version}, ${os.cpus().length} CPUs, load average ${load()} before the run)`);
    console.log(`  files:        ${count} ${json ? "JSON" : "YAML"} files, ${mb(total)} MiB; sizes ${(Math.min(...sizes) / 1024).toFixed(1)}–${(Math.max(...sizes) / 1024).toFixed(1)} KB, mean ${(total / count / 1024).toFixed(1)} KB`);
    const first = await loadAndSerialize(dir);
    console.log(`  first run:    ${ms(first.ns)} ms (CPU ${cpuMs(first.cpu)} ms) = ${(first.spaces / (Number(first.ns) / 1e9)).toFixed(0)} files/s; ${first.spaces} spaces, ${mb(first.bytes)} MiB of serialized_space  [goal: < 1000 ms]`);
    const later = [];
    for (let i = 0; i < runs; i++) later.push(await loadAndSerialize(dir));
    later.sort((a, b) => Number(a.ns - b.ns));
    const median = later[Math.floor(later.length / 2)];
    if (median) {
      console.log(`  later runs:   median ${ms(median.ns)} ms (CPU ${cpuMs(median.cpu)} ms) = ${(median.spaces / (Number(median.ns) / 1e9)).toFixed(0)} files/s; fastest ${ms(later[0].ns)} ms, slowest ${ms(later[later.length - 1].ns)} ms (${runs} runs, load average ${load()})`);
    }
    const p = await phases(dir);
    const per = (ns) => `${ms(ns)} ms`.padStart(7);
    console.log(`  phases:       list ${per(p.list)} | read ${per(p.read)} | parse ${per(p.parse)} | variables + validate + canonical ${per(p.validate)} | serialize ${per(p.serialize)}`);
    console.log(`  peak RSS:     ${rss()} MiB (whole process)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------
// The old synthetic run: every file at the product limits
// ------------------------------------------------------------------------------------------------

function syntheticSpace(n) {
  const lines = [`name: space_${n}`, `title: "Benchmark space ${n} (\${env})"`, "warehouse_id: ${warehouse_id}", "config:", "  sample_questions:",
    ...Array.from({ length: 5 }, (_, i) => `    - "Sample question ${i} of space ${n}?"`), "data_sources:", "  tables:"];
  for (let t = 0; t < 30; t++) {
    const id = String(t).padStart(2, "0");
    lines.push(`    - identifier: \${catalog}.sales.table_${id}`, `      description: "Table ${t} of space ${n}. One row per event."`, "      column_configs:",
      "        - {column_name: amount, description: \"Amount\", synonyms: [value], enable_format_assistance: true}",
      "        - {column_name: region, synonyms: [area], enable_format_assistance: true, enable_entity_matching: true}");
  }
  lines.push("instructions:", "  text_instructions:", "    - content: |", "        Fiscal year starts on February 1.", "  example_question_sqls:");
  for (let e = 0; e < 89; e++) {
    lines.push(`    - question: "Revenue by region for example ${e} of space ${n}?"`, "      sql: |", "        SELECT region, SUM(amount) AS revenue",
      `        FROM \${catalog}.sales.table_${String(e % 30).padStart(2, "0")}`, "        GROUP BY region",
      "      parameters: [{name: start_date, type_hint: DATE, default_value: 2026-01-01}]");
  }
  lines.push("  sql_functions:", ...Array.from({ length: 10 }, (_, f) => `    - \${catalog}.udfs.fn_${f}`), "  join_specs:");
  for (let j = 0; j < 20; j++) {
    lines.push(`    - left: {identifier: "\${catalog}.sales.table_${String(j).padStart(2, "0")}", alias: l}`,
      `      right: {identifier: "\${catalog}.sales.table_${String(j + 1).padStart(2, "0")}", alias: r}`, "      sql: \"`l`.`id` = `r`.`id`\"", "      relationship: many_to_one");
  }
  lines.push("  sql_snippets:", "    measures:", ...Array.from({ length: 30 }, (_, m) => `      - {alias: measure_${m}, sql: "SUM(amount_${m})"}`));
  return lines.join("\n") + "\n";
}

async function synthetic() {
  const count = value("--synthetic", 1000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "space-bench-"));
  try {
    let bytes = 0;
    for (let n = 0; n < count; n++) {
      const text = syntheticSpace(n);
      bytes += text.length;
      fs.writeFileSync(path.join(dir, `space_${String(n).padStart(4, "0")}.yaml`), text);
    }
    console.log(`Synthetic space files at the product limits (load average ${load()} before the run)`);
    const r = await loadAndSerialize(dir);
    console.log(`  ${count} files, ${mb(bytes)} MiB: ${ms(r.ns)} ms (CPU ${cpuMs(r.cpu)} ms) = ${(count / (Number(r.ns) / 1e9)).toFixed(0)} files/s; peak RSS ${rss()} MiB`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------
// Pathological input
// ------------------------------------------------------------------------------------------------

const HEAD = "name: hostile\ntitle: Hostile\nwarehouse_id: wh\n";

const PATHOLOGICAL = [
  ["20,000 unknown top-level keys", () => HEAD + Array.from({ length: 20000 }, (_, i) => `unknown_key_${i}: ${i}\n`).join("")],
  ["40,000 unknown top-level keys", () => HEAD + Array.from({ length: 40000 }, (_, i) => `unknown_key_${i}: ${i}\n`).join("")],
  ["200,000 unknown top-level keys", () => HEAD + Array.from({ length: 200000 }, (_, i) => `unknown_key_${i}: ${i}\n`).join("")],
  ["200,000 unknown keys in one table", () => HEAD + "data_sources:\n  tables:\n    - identifier: a.b.c\n"
    + Array.from({ length: 200000 }, (_, i) => `      colum_${i}: x\n`).join("")],
  ["200,000 duplicate keys", () => HEAD + "data_sources:\n" + Array.from({ length: 200000 }, () => "  tables: []\n").join("")],
  ["200,000 invalid tables (2-part names)", () => HEAD + "data_sources:\n  tables:\n" + Array.from({ length: 200000 }, (_, i) => `    - s.t${i}\n`).join("")],
  ["200,000 undefined variables", () => HEAD + "description: |\n" + Array.from({ length: 200000 }, (_, i) => `  \${undefined_${i}}\n`).join("")],
  ["alias bomb (billion laughs)", () => HEAD + ["a: &a [x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => {
    const p = String.fromCharCode(97 + i), c = String.fromCharCode(98 + i);
    return `${c}: &${c} [*${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}, *${p}]`;
  })].join("\n") + "\n"],
  ["a 9 MB description", () => HEAD + `description: "${"x".repeat(9 * 1024 * 1024)}"\n`],
];

async function pathological() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "space-bench-"));
  try {
    console.log(`Pathological space files, one at a time (node ${process.version}, ${os.cpus().length} CPUs)  [goal: seconds for any input < 10 MB]`);
    for (const [what, make] of PATHOLOGICAL) {
      const file = path.join(dir, "hostile.yaml");
      const text = make();
      fs.writeFileSync(file, text);
      const loadBefore = load();
      const cpu = process.cpuUsage();
      const started = process.hrtime.bigint();
      let outcome;
      try {
        await loadSpaceFiles(file);
        outcome = "loaded (no problem)";
      } catch (e) {
        if (!(e instanceof SpaceFileError)) throw e;
        const omitted = e.omitted.reduce((a, o) => a + o.count, 0);
        outcome = `${e.problems.length} problems listed${omitted ? ` + ${omitted} counted` : ""}; first: ${e.problems[0].message.slice(0, 70)}`;
      }
      const took = process.hrtime.bigint() - started;
      console.log(`  ${what.padEnd(40)} ${mb(Buffer.byteLength(text)).padStart(6)} MiB  ${ms(took).padStart(6)} ms (CPU ${cpuMs(process.cpuUsage(cpu))} ms, load ${loadBefore})  ${outcome}`);
    }
    console.log(`  peak RSS: ${rss()} MiB (whole process)`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  if (flag("--pathological")) await pathological();
  else if (flag("--synthetic")) await synthetic();
  else await realistic();
}

main().catch((e) => {
  console.error(String(e && e.message ? e.message : e).split("\n").slice(0, 20).join("\n"));
  process.exitCode = 1;
});
