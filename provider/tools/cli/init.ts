/**
 * `init [DIR] [--minimal] [--force]`: scaffolds a ready Pulumi project — Pulumi.yaml, package.json
 * (depending on this package), the stack program, stacks/Pulumi.{dev,staging,prod}.yaml, an
 * example space file, .gitignore, tsconfig.json — that passes `pulumi-genie validate` at once and
 * deploys with `pulumi up`.
 *
 * `--minimal`: the same project without the explanations and extras: no comments, no README, and
 * no example space (the spaces/ folder is created empty, for `create --save-config`, `clone
 * --to-file`, `export` or `demo-data setup` to fill).
 *
 * Existing files are never overwritten unless --force: every target is checked first, so a
 * refused init writes nothing at all.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import * as t from "./templates";

export interface InitOptions {
  /** Where to create the project (created if missing); default the working directory. */
  dir?: string;
  minimal?: boolean;
  force?: boolean;
  /** Pulumi project name (default: the folder's name, made safe). */
  project?: string;
  /** The dev stack's workspace URL, catalog, schema and warehouse (placeholders otherwise). */
  host?: string;
  catalog?: string;
  schema?: string;
  warehouseId?: string;
  json?: boolean;
}

export interface InitResult {
  dir: string;
  /** Paths relative to dir, in the order written. */
  written: string[];
  overwritten: string[];
}

/** The running package's version, whether running from dist/ or from source. */
export function genieVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (!fs.existsSync(file)) continue;
    const pkg = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
    if (pkg.name === "pulumi-genie") return pkg.version ?? "0.0.0";
  }
  return "0.0.0";
}

function pulumiVersion(): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const v = (require("@pulumi/pulumi/package.json") as { version: string }).version;
    return `^${v}`;
  } catch {
    return "^3.216.0";
  }
}

/** npm package names: lowercase, no spaces; Pulumi project names: letters, digits, - _ . */
export function projectNameFor(dir: string): string {
  const base = path.basename(path.resolve(dir)).toLowerCase().replace(/[^a-z0-9._-]+/g, "-").replace(/^[-._]+|[-._]+$/g, "");
  return base === "" ? "genie-spaces" : base;
}

/** Every file init writes, path → content. */
export function scaffoldFiles(opts: InitOptions): Record<string, string> {
  const dir = path.resolve(opts.dir ?? ".");
  const project = opts.project ?? projectNameFor(dir);
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(project)) {
    throw new CliError(`project name "${project}" is not usable: use lowercase letters, digits, ".", "_" or "-" (--project NAME)`, 2);
  }
  const settings: t.ProjectSettings = {
    project,
    genieVersion: `^${genieVersion()}`,
    pulumiVersion: pulumiVersion(),
    full: !opts.minimal,
    dev: {
      host: opts.host ?? "https://dev-workspace.cloud.databricks.com",
      catalog: opts.catalog ?? "main",
      schema: opts.schema ?? "genie_demo",
      warehouseId: opts.warehouseId ?? "your-sql-warehouse-id",
    },
  };
  const files: Record<string, string> = {
    "Pulumi.yaml": t.pulumiYaml(settings),
    "package.json": t.packageJson(settings),
    "tsconfig.json": t.tsconfigJson(),
    ".gitignore": t.gitignore(),
    "index.ts": t.program(settings),
    "stacks/Pulumi.dev.yaml": t.stackFile("dev", settings),
    "stacks/Pulumi.staging.yaml": t.stackFile("staging", settings),
    "stacks/Pulumi.prod.yaml": t.stackFile("prod", settings),
  };
  if (settings.full) {
    files[`${t.SPACES_DIR}/sales.yaml`] = t.exampleSpace();
    files["README.md"] = t.readme(settings);
  }
  return files;
}

export function initProject(opts: InitOptions): InitResult {
  const dir = path.resolve(opts.dir ?? ".");
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new CliError(`${dir} is a file, not a folder: pick another DIR`, 2);
  const files = scaffoldFiles(opts);
  const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
  if (existing.length && !opts.force) {
    throw new CliError(
      `${dir} already has ${existing.join(", ")}: nothing was written\n  fix: init into an empty folder, or pass --force to overwrite these files`,
      2,
    );
  }
  for (const [rel, content] of Object.entries(files)) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }
  fs.mkdirSync(path.join(dir, t.SPACES_DIR), { recursive: true });
  return { dir, written: Object.keys(files), overwritten: existing };
}

export async function runInit(opts: InitOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const r = initProject(opts);
    if (opts.json) {
      io.stdout.write(JSON.stringify({ dir: r.dir, written: r.written, overwritten: r.overwritten }, null, 2) + "\n");
      return 0;
    }
    const shown = path.relative(process.cwd(), r.dir) || ".";
    io.stdout.write(`Created a Pulumi project for Genie spaces in ${shown}:\n`);
    for (const f of r.written) io.stdout.write(`  ${f}${r.overwritten.includes(f) ? "  (overwritten)" : ""}\n`);
    const cd = shown === "." ? "" : `cd ${shown} && `;
    io.stdout.write(`Next:\n  ${cd}npm install\n  npx pulumi-genie validate ${t.SPACES_DIR} --stack dev\n  pulumi stack init dev && pulumi up --stack dev\n  (no workspace yet? npx pulumi-genie demo  runs the dev stack against a local Genie emulator)\n`);
    return 0;
  });
}

export function registerInitCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command("init")
    .argument("[dir]", "folder for the new project (default: the current folder)", ".")
    .option("--minimal", "only the files a project needs: no comments, README or example space")
    .option("--force", "overwrite files that already exist")
    .option("--project <name>", "Pulumi project name (default: the folder's name)")
    .option("--host <url>", "the dev stack's workspace URL")
    .option("--catalog <name>", "the dev stack's catalog (default main)")
    .option("--schema <name>", "the dev stack's schema (default genie_demo)")
    .option("-w, --warehouse-id <id>", "the dev stack's SQL warehouse")
    .option("--json", "machine-readable list of the files written")
    .description("Scaffold a ready Pulumi project: Pulumi.yaml, package.json, the stack program, dev/staging/prod stacks, an example space.")
    .action(async (dir: string, flags: Omit<InitOptions, "dir">) => {
      finish(io, await runInit({ ...flags, dir }, io));
    });
}
