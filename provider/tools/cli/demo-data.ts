/**
 * `demo-data setup|status|cleanup --catalog C --schema S --warehouse-id W`: a small set of demo
 * tables (customers, products, orders) made through the SQL Statement Execution API, plus a
 * matching space file, so a newcomer can try the whole journey before pointing spaces at real
 * data. Registered as `demo-data` because `demo` is the repository's main job.
 *
 * setup is idempotent (tables already there are left as they are, an unchanged space file too),
 * so the command `status` suggests restores what `cleanup` removed; cleanup only ever drops the
 * demo tables by name, and is a dry run unless --execute.
 *
 * The space file names its tables through the stack variables (`${catalog}`, `${schema}`,
 * `${warehouse_id}`, `${folder}`), like `init`'s example space: it lives in the folder every stack
 * deploys, so each stack puts it on its own catalog, never on dev's tables.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { credentialsFor } from "../../lib/auth";
import { SqlClient, SqlStatementError, type SqlClientOptions, type StatementResult } from "../../lib/client";
import { checkTargetFile } from "./create";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { isInside, readRegularFile, writeConfined } from "./safe-path";
import { projectStacks, readStackFile, stackVariables } from "./stack-config";
import { stackSpacesDir } from "./stack-edit";
import { addWorkspaceOptions, resolveWorkspace, workspaceOptionsFrom, type WorkspaceOptions } from "./workspace";

export interface DemoDataOptions extends WorkspaceOptions {
  catalog?: string;
  schema?: string;
  warehouseId?: string;
  /** setup: where to write the matching space file (default spaces/genie_demo.yaml; "" = none). */
  spaceFile?: string;
  /** setup: overwrite an existing space file. */
  force?: boolean;
  /** cleanup: really drop (default: print what would be dropped). */
  execute?: boolean;
  /** cleanup: also drop the schema (only if nothing else is in it). */
  dropSchema?: boolean;
  json?: boolean;
  /** SQL client tuning (tests poll every few ms). */
  sqlOptions?: Partial<Omit<SqlClientOptions, "host" | "credentials">>;
}

interface DemoTable {
  name: string;
  comment: string;
  columns: string;
  rows: string[];
}

const MARK = "pulumi-genie demo data";

/** The demo data set. Small on purpose: a few rows answer every sample question. */
export const DEMO_TABLES: readonly DemoTable[] = [
  {
    name: "customers",
    comment: `${MARK}: one row per customer`,
    columns: "customer_id BIGINT NOT NULL COMMENT 'key', name STRING, region STRING COMMENT 'EMEA, AMER or APAC', segment STRING",
    rows: [
      "(1, 'Acme GmbH', 'EMEA', 'enterprise')",
      "(2, 'Globex Inc', 'AMER', 'enterprise')",
      "(3, 'Initech', 'AMER', 'smb')",
      "(4, 'Umbrella KK', 'APAC', 'mid-market')",
      "(5, 'Stark Industries', 'AMER', 'enterprise')",
      "(6, 'Wayne SARL', 'EMEA', 'smb')",
    ],
  },
  {
    name: "products",
    comment: `${MARK}: the product catalogue`,
    columns: "product_id BIGINT NOT NULL COMMENT 'key', name STRING, category STRING, list_price DECIMAL(10,2) COMMENT 'EUR'",
    rows: [
      "(10, 'Starter plan', 'subscription', 49.00)",
      "(11, 'Team plan', 'subscription', 199.00)",
      "(12, 'Onboarding', 'services', 1200.00)",
      "(13, 'Support add-on', 'subscription', 99.00)",
    ],
  },
  {
    name: "orders",
    comment: `${MARK}: one row per order`,
    columns: "order_id BIGINT NOT NULL COMMENT 'key', customer_id BIGINT, product_id BIGINT, order_date DATE, status STRING COMMENT 'placed, shipped or cancelled', quantity INT, net_amount DECIMAL(10,2) COMMENT 'EUR'",
    rows: [
      "(100, 1, 11, DATE '2026-09-03', 'shipped', 3, 597.00)",
      "(101, 2, 12, DATE '2026-09-10', 'shipped', 1, 1200.00)",
      "(102, 3, 10, DATE '2026-09-14', 'cancelled', 1, 49.00)",
      "(103, 4, 11, DATE '2026-10-01', 'shipped', 5, 995.00)",
      "(104, 5, 13, DATE '2026-10-05', 'placed', 10, 990.00)",
      "(105, 1, 12, DATE '2026-10-12', 'shipped', 1, 1200.00)",
      "(106, 6, 10, DATE '2026-10-20', 'placed', 2, 98.00)",
      "(107, 2, 11, DATE '2026-11-02', 'shipped', 4, 796.00)",
    ],
  },
];

export const DEFAULT_SPACE_FILE = "spaces/genie_demo.yaml";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Target {
  catalog: string;
  schema: string;
  warehouseId: string;
}

/**
 * Required flags, checked before any request; names restricted so they are safe inside SQL text.
 * With --stack, a flag left out takes the stack's own `genie:variables` value.
 */
function checkTarget(opts: DemoDataOptions, action: string): Target {
  const fromStack = opts.stack ? stackVariables(readStackFile(opts.stack, opts.projectDir ?? process.cwd())) : {};
  const catalog = opts.catalog ?? fromStack.catalog;
  const schema = opts.schema ?? fromStack.schema;
  const warehouseId = opts.warehouseId ?? fromStack.warehouse_id;
  const missing = [
    !catalog && "--catalog C",
    !schema && "--schema S",
    !warehouseId?.trim() && "--warehouse-id W (SQL Warehouses → your warehouse → Overview → ID)",
  ].filter(Boolean);
  if (missing.length) {
    const viaStack = opts.stack ? ` (stack ${opts.stack}'s genie:variables do not name them either)` : " (or --stack S to take them from that stack's genie:variables)";
    throw new CliError(`demo-data ${action} needs ${missing.join(", ")}${viaStack}`, 2);
  }
  for (const [flag, value] of [["--catalog", catalog!], ["--schema", schema!]]) {
    if (!IDENTIFIER.test(value)) throw new CliError(`${flag} "${value}" is not a plain identifier: use letters, digits and underscores`, 2);
  }
  return { catalog: catalog!.toLowerCase(), schema: schema!.toLowerCase(), warehouseId: warehouseId!.trim() };
}

/** The exact `setup` command for these options, ready to paste (what `status` suggests). */
export function setupCommand(opts: DemoDataOptions, t: Target): string {
  const quote = (v: string) => (/^[A-Za-z0-9_./:@=-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);
  const args = ["pulumi-genie", "demo-data", "setup", "--catalog", t.catalog, "--schema", t.schema, "--warehouse-id", t.warehouseId];
  for (const [flag, value] of [["--stack", opts.stack], ["--profile", opts.profile], ["--host", opts.host], ["--project", opts.projectDir], ["--space-file", opts.spaceFile]] as const) {
    if (value !== undefined) args.push(flag, value);
  }
  return args.map(quote).join(" ");
}

function sqlClient(opts: DemoDataOptions): SqlClient {
  const ws = resolveWorkspace(opts);
  return new SqlClient({ ...opts.sqlOptions, host: ws.auth.host, credentials: credentialsFor(ws.auth), workspaceId: ws.auth.workspaceId });
}

/** Variables the demo space file uses; every stack deploying it needs each of them. */
const SPACE_VARIABLES = ["catalog", "schema", "warehouse_id", "folder"] as const;

/**
 * The space file on the demo tables. It is the same for every catalog and schema: each stack
 * deploying it brings its own values, so `setup` can write it again unchanged.
 */
export function demoSpaceYaml(): string {
  const id = (table: string) => `\${catalog}.\${schema}.${table}`;
  return `# Made by \`pulumi-genie demo-data setup\`: a space on the demo tables (customers, orders, products).
# \${catalog}, \${schema}, \${warehouse_id} and \${folder} come from each stack's genie:variables, so
# a stack deploys it on the demo tables of its own catalog and schema: run \`demo-data setup\`
# against that stack's workspace before its \`pulumi up\`. Remove the tables with
# \`pulumi-genie demo-data cleanup --execute\` (the flags you gave setup) after \`pulumi destroy\`.
name: genie_demo
title: Genie demo sales
description: Demo data from pulumi-genie — customers, products and orders.
warehouse_id: \${warehouse_id}
parent_path: \${folder}

config:
  sample_questions:
    - What was net revenue by region last month?
    - Which product sells best?
    - How many orders were cancelled?

data_sources:
  tables:
    - identifier: ${id("customers")}
      description: One row per customer; region is EMEA, AMER or APAC.
    - identifier: ${id("orders")}
      description: One row per order; net_amount is in EUR.
    - identifier: ${id("products")}
      description: The product catalogue.

instructions:
  text_instructions:
    - Revenue means SUM(orders.net_amount) over orders whose status is not 'cancelled'.
  join_specs:
    - left: { identifier: "${id("orders")}", alias: orders }
      right: { identifier: "${id("customers")}", alias: customers }
      sql: "\`orders\`.\`customer_id\` = \`customers\`.\`customer_id\`"
      relationship: many_to_one
    - left: { identifier: "${id("orders")}", alias: orders }
      right: { identifier: "${id("products")}", alias: products }
      sql: "\`orders\`.\`product_id\` = \`products\`.\`product_id\`"
      relationship: many_to_one
`;
}

/**
 * What each stack deploying the space file will put it on, and what a stack lacks for it: the
 * file is shared, the tables are not.
 */
function stackNotes(file: string, t: Target, projectDir: string): string[] {
  const notes: string[] = [];
  for (const stack of projectStacks(projectDir)) {
    const deployed = stackSpacesDir(stack, projectDir) ?? path.join(projectDir, "spaces");
    if (!isInside(deployed, file)) continue;
    let vars: Record<string, string>;
    try {
      vars = stackVariables(readStackFile(stack, projectDir));
    } catch {
      continue;
    }
    const missing = SPACE_VARIABLES.filter((v) => vars[v] === undefined);
    if (missing.length) {
      notes.push(`stack ${stack} lacks genie:variables ${missing.join(", ")} for this file: ${missing.map((m) => `pulumi config set --path 'genie:variables.${m}' <value> --stack ${stack}`).join("; ")}`);
    } else if (vars.catalog.toLowerCase() === t.catalog && vars.schema.toLowerCase() === t.schema) {
      notes.push(`stack ${stack} deploys it on these tables (${t.catalog}.${t.schema})`);
    } else {
      notes.push(`stack ${stack} deploys it on ${vars.catalog}.${vars.schema}: run \`pulumi-genie demo-data setup --stack ${stack}\` against its workspace before its \`pulumi up\``);
    }
  }
  return notes;
}

export interface DemoTableStatus {
  table: string;
  exists: boolean;
  rows?: number;
}

export interface DemoStatus {
  catalog: string;
  schema: string;
  schemaExists: boolean;
  tables: DemoTableStatus[];
  spaceFile?: { path: string; exists: boolean };
}

async function existingTables(sql: SqlClient, t: Target): Promise<Set<string> | undefined> {
  let shown: StatementResult;
  try {
    shown = await sql.execute({ statement: `SHOW TABLES IN ${t.catalog}.${t.schema}`, warehouseId: t.warehouseId });
  } catch (e) {
    if (e instanceof SqlStatementError && /SCHEMA_NOT_FOUND/.test(e.apiMessage)) return undefined;
    throw e;
  }
  const col = Math.max(0, shown.columns.indexOf("tableName"));
  return new Set(shown.rows.map((r) => String(r[col]).toLowerCase()));
}

export async function demoStatus(opts: DemoDataOptions): Promise<DemoStatus> {
  const t = checkTarget(opts, "status");
  const sql = sqlClient(opts);
  const present = await existingTables(sql, t);
  const tables: DemoTableStatus[] = [];
  for (const d of DEMO_TABLES) {
    const table = `${t.catalog}.${t.schema}.${d.name}`;
    if (!present?.has(d.name)) {
      tables.push({ table, exists: false });
      continue;
    }
    const count = await sql.execute({ statement: `SELECT COUNT(*) FROM ${table}`, warehouseId: t.warehouseId });
    tables.push({ table, exists: true, rows: Number(count.rows[0]?.[0] ?? 0) });
  }
  const status: DemoStatus = { catalog: t.catalog, schema: t.schema, schemaExists: present !== undefined, tables };
  if (opts.spaceFile !== "") {
    const file = path.resolve(opts.projectDir ?? process.cwd(), opts.spaceFile ?? DEFAULT_SPACE_FILE);
    status.spaceFile = { path: file, exists: fs.existsSync(file) };
  }
  return status;
}

export async function runDemoSetup(opts: DemoDataOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const t = checkTarget(opts, "setup");
    const projectDir = opts.projectDir ?? process.cwd();
    const file = opts.spaceFile === "" ? undefined : path.resolve(projectDir, opts.spaceFile ?? DEFAULT_SPACE_FILE);
    const content = demoSpaceYaml();
    // The file setup wrote before, unchanged, is simply there already: following `status`'s hint
    // after a cleanup must work. Any other file there is the user's and is refused before any SQL.
    const unchanged = file !== undefined && readRegularFile(file) === content;
    if (file && !unchanged) {
      try {
        checkTargetFile(file, opts.force, "the demo space file");
      } catch (e) {
        if (e instanceof CliError) throw new CliError(`${e.message}, or --space-file '' to keep yours and only create the tables`, e.exitCode);
        throw e;
      }
    }
    const sql = sqlClient(opts);
    const run = (statement: string) => sql.execute({ statement, warehouseId: t.warehouseId });
    await run(`CREATE SCHEMA IF NOT EXISTS ${t.catalog}.${t.schema} COMMENT '${MARK}'`);
    io.stdout.write(`schema ${t.catalog}.${t.schema}: ready\n`);
    const present = (await existingTables(sql, t)) ?? new Set<string>();
    for (const d of DEMO_TABLES) {
      const table = `${t.catalog}.${t.schema}.${d.name}`;
      if (present.has(d.name)) {
        io.stdout.write(`table ${table}: already there, left as it is\n`);
        continue;
      }
      await run(`CREATE TABLE ${table} (${d.columns}) COMMENT '${d.comment}'`);
      await run(`INSERT INTO ${table} VALUES\n  ${d.rows.join(",\n  ")}`);
      io.stdout.write(`table ${table}: created, ${d.rows.length} rows\n`);
    }
    if (file) {
      const shown = path.relative(projectDir, file) || file;
      if (unchanged) io.stdout.write(`${shown}: already there, unchanged\n`);
      else {
        writeConfined(path.dirname(file), path.basename(file), content, { what: "the demo space file", overwrite: !!opts.force });
        io.stdout.write(`Wrote ${shown}: a Genie space on these tables, through each stack's \${catalog}.\${schema}.\n`);
      }
      for (const note of stackNotes(file, t, projectDir)) io.stdout.write(`  ${note}\n`);
    }
    const stack = opts.stack ?? "dev";
    io.stdout.write(`Next: pulumi-genie validate spaces --stack ${stack}, then pulumi up --stack ${stack}\n`);
    return 0;
  });
}

export async function runDemoStatus(opts: DemoDataOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const s = await demoStatus(opts);
    if (opts.json) {
      io.stdout.write(JSON.stringify(s, null, 2) + "\n");
      return 0;
    }
    io.stdout.write(`schema ${s.catalog}.${s.schema}: ${s.schemaExists ? "exists" : "missing"}\n`);
    for (const t of s.tables) io.stdout.write(`table ${t.table}: ${t.exists ? `${t.rows} rows` : "missing"}\n`);
    if (s.spaceFile) {
      const rel = path.relative(opts.projectDir ?? process.cwd(), s.spaceFile.path) || s.spaceFile.path;
      io.stdout.write(`space file ${rel}: ${s.spaceFile.exists ? "present" : "missing"}\n`);
    }
    const complete = s.tables.every((t) => t.exists);
    const target = { catalog: s.catalog, schema: s.schema, warehouseId: checkTarget(opts, "status").warehouseId };
    io.stdout.write(complete ? "Demo data is complete.\n" : `Demo data is incomplete; to set it up (again), run:\n  ${setupCommand(opts, target)}\n`);
    return 0;
  });
}

export async function runDemoCleanup(opts: DemoDataOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const t = checkTarget(opts, "cleanup");
    const sql = sqlClient(opts);
    const present = await existingTables(sql, t);
    const statements = DEMO_TABLES.filter((d) => present?.has(d.name)).map((d) => `DROP TABLE IF EXISTS ${t.catalog}.${t.schema}.${d.name}`);
    // RESTRICT: the schema goes only if nothing but the demo tables was in it.
    if (opts.dropSchema && present) statements.push(`DROP SCHEMA IF EXISTS ${t.catalog}.${t.schema} RESTRICT`);
    if (statements.length === 0) {
      io.stdout.write(`Nothing to drop: no demo tables in ${t.catalog}.${t.schema}.\n`);
      return 0;
    }
    if (!opts.execute) {
      io.stdout.write(`Dry run: would run\n${statements.map((s) => `  ${s}`).join("\n")}\nRun again with --execute to drop them.\n`);
      return 0;
    }
    for (const s of statements) {
      await sql.execute({ statement: s, warehouseId: t.warehouseId });
      io.stdout.write(`ran: ${s}\n`);
    }
    const file = path.resolve(opts.projectDir ?? process.cwd(), opts.spaceFile || DEFAULT_SPACE_FILE);
    if (fs.existsSync(file)) {
      io.stdout.write(`The space file ${path.relative(opts.projectDir ?? process.cwd(), file)} stays: delete it too (pulumi up then trashes its space, if deployed).\n`);
    }
    return 0;
  });
}

type DemoFlags = {
  catalog?: string; schema?: string; warehouseId?: string; spaceFile?: string; force?: boolean; execute?: boolean;
  dropSchema?: boolean; json?: boolean; project?: string; host?: string; profile?: string; stack?: string;
};

function toOptions(flags: DemoFlags): DemoDataOptions {
  return {
    ...workspaceOptionsFrom(flags),
    projectDir: flags.project ? path.resolve(flags.project) : undefined,
    catalog: flags.catalog, schema: flags.schema, warehouseId: flags.warehouseId, spaceFile: flags.spaceFile,
    force: flags.force, execute: flags.execute, dropSchema: flags.dropSchema, json: flags.json,
  };
}

function targetOptions(command: Command): Command {
  return addWorkspaceOptions(
    command
      .option("-c, --catalog <name>", "catalog for the demo schema (must exist)")
      .option("--schema <name>", "schema for the demo tables (created by setup)")
      .option("-w, --warehouse-id <id>", "SQL warehouse that runs the statements")
      .option("--project <dir>", "the Pulumi project (default: the current folder)"),
  );
}

export function registerDemoDataCommand(program: Command, io: CliIo = processIo()): void {
  const group = program
    .command("demo-data")
    .description("Demo tables to try Genie on: setup | status | cleanup (through the SQL Statement Execution API).");
  targetOptions(group.command("setup"))
    .option("--space-file <path>", `where to write the matching space file (default ${DEFAULT_SPACE_FILE})`)
    .option("--force", "overwrite an existing space file")
    .description("Create the demo schema and tables (customers, products, orders) and a space file on them.")
    .action(async (flags: DemoFlags) => {
      finish(io, await runDemoSetup(toOptions(flags), io));
    });
  targetOptions(group.command("status"))
    .option("--space-file <path>", `the demo space file to look for (default ${DEFAULT_SPACE_FILE})`)
    .option("--json", "machine-readable status")
    .description("Which demo tables exist and how many rows each has.")
    .action(async (flags: DemoFlags) => {
      finish(io, await runDemoStatus(toOptions(flags), io));
    });
  targetOptions(group.command("cleanup"))
    .option("--execute", "really drop the tables (default: a dry run that prints the statements)")
    .option("--drop-schema", "also drop the schema, if nothing else is in it")
    .option("--space-file <path>", `the demo space file (default ${DEFAULT_SPACE_FILE})`)
    .description("Drop the demo tables (a dry run unless --execute).")
    .action(async (flags: DemoFlags) => {
      finish(io, await runDemoCleanup(toOptions(flags), io));
    });
}
