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
 * refused init writes nothing at all. What a project already has is kept instead of refused: its
 * stack files (they hold workspace settings and adoption records — never overwritten, even with
 * --force), its README, its .gitignore (our lines are added), and its space files (no example is
 * added next to them). So `init .` completes a project that `migrate-genie-forge` or `export` began.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { AuthConfigError, normalizeHost } from "../../lib/auth";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { FileBatch, readRegularFile } from "./safe-path";
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
  /** Files the project already had that init added its lines to (e.g. .gitignore), each described. */
  merged: string[];
  /** Files the project already had and keeps as they are, each with why. */
  kept: { file: string; reason: string }[];
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

/**
 * `--host` as the stack file will hold it: the workspace URL the provider resolves it to. A URL
 * carrying a user name or password is refused (the stack file is committed; credentials never go
 * there), with the same rule and message as every other place a host is read.
 */
function checkedHost(raw: string): string {
  try {
    const { host, workspaceId } = normalizeHost(raw, (message) => new AuthConfigError(message));
    return workspaceId ? `${host}/?o=${workspaceId}` : host;
  } catch (e) {
    throw new CliError(`--host: ${(e as Error).message}: nothing was written\n  fix: pass only the workspace URL (e.g. https://dbc-1234.cloud.databricks.com); credentials go in DATABRICKS_TOKEN, a profile, or \`pulumi config set --secret databricks:token\``, 2);
  }
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
      host: opts.host !== undefined ? checkedHost(opts.host) : t.DEV_PLACEHOLDERS.host,
      catalog: opts.catalog ?? t.DEV_PLACEHOLDERS.catalog,
      schema: opts.schema ?? t.DEV_PLACEHOLDERS.schema,
      warehouseId: opts.warehouseId ?? t.DEV_PLACEHOLDERS.warehouseId,
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

/** Files a project may already have that init keeps (and why) rather than refuses. */
function keptFiles(dir: string, files: Record<string, string>, force: boolean | undefined): { file: string; reason: string }[] {
  const kept: { file: string; reason: string }[] = [];
  for (const stack of t.STACKS) {
    const file = `stacks/Pulumi.${stack}.yaml`;
    if (fs.existsSync(path.join(dir, file))) kept.push({ file, reason: "kept: stack files hold your workspace settings and adoption records (delete one to get the scaffold's)" });
  }
  if (!force && fs.existsSync(path.join(dir, "README.md"))) kept.push({ file: "README.md", reason: "kept: yours" });
  const example = `${t.SPACES_DIR}/sales.yaml`;
  const spaces = path.join(dir, t.SPACES_DIR);
  if (example in files && fs.existsSync(spaces) && fs.statSync(spaces).isDirectory() && fs.readdirSync(spaces).some((f) => /\.(ya?ml|json)$/i.test(f))) {
    kept.push({ file: example, reason: `not written: ${t.SPACES_DIR}/ already holds space files` });
  }
  return kept;
}

export function initProject(opts: InitOptions): InitResult {
  const dir = path.resolve(opts.dir ?? ".");
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new CliError(`${dir} is a file, not a folder: pick another DIR`, 2);
  const files = scaffoldFiles(opts);
  const kept = keptFiles(dir, files, opts.force);
  for (const k of kept) delete files[k.file];
  // .gitignore: ours is merged into an existing one (missing lines appended).
  const ignore = readRegularFile(path.join(dir, ".gitignore"));
  const merged: string[] = [];
  if (ignore !== undefined && !opts.force) {
    const have = new Set(ignore.split(/\r?\n/));
    const missing = files[".gitignore"].split("\n").filter((l) => l !== "" && !have.has(l));
    if (missing.length === 0) {
      delete files[".gitignore"];
      kept.push({ file: ".gitignore", reason: "kept: yours already ignores what a Pulumi project needs" });
    } else {
      files[".gitignore"] = `${ignore}${ignore === "" || ignore.endsWith("\n") ? "" : "\n"}${missing.join("\n")}\n`;
      merged.push(`.gitignore  (added ${missing.join(" ")} to yours)`);
    }
  }
  const existing = Object.keys(files).filter((f) => !(f === ".gitignore" && merged.length) && fs.existsSync(path.join(dir, f)));
  if (existing.length && !opts.force) {
    throw new CliError(
      `${dir} already has ${existing.join(", ")}: nothing was written\n  fix: init into an empty folder, or pass --force to overwrite these files`,
      2,
    );
  }
  const batch = new FileBatch();
  const overwritten: string[] = [];
  for (const [rel, content] of Object.entries(files)) {
    const there = fs.existsSync(path.join(dir, rel));
    if (there && !(rel === ".gitignore" && merged.length)) overwritten.push(rel);
    batch.write(dir, rel, content, { what: "project file", overwrite: there });
  }
  batch.commit();
  fs.mkdirSync(path.join(dir, t.SPACES_DIR), { recursive: true });
  return { dir, written: Object.keys(files), overwritten, merged, kept };
}

export async function runInit(opts: InitOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const r = initProject(opts);
    if (opts.json) {
      io.stdout.write(JSON.stringify({ dir: r.dir, written: r.written, overwritten: r.overwritten, merged: r.merged, kept: r.kept }, null, 2) + "\n");
      return 0;
    }
    const shown = path.relative(process.cwd(), r.dir) || ".";
    io.stdout.write(`Created a Pulumi project for Genie spaces in ${shown}:\n`);
    for (const f of r.written) {
      const note = r.overwritten.includes(f) ? "  (overwritten)" : r.merged.find((m) => m.startsWith(`${f} `))?.slice(f.length) ?? "";
      io.stdout.write(`  ${f}${note}\n`);
    }
    for (const k of r.kept) io.stdout.write(`  ${k.file}  (${k.reason})\n`);
    const cd = shown === "." ? "" : `cd ${shown} && `;
    io.stdout.write(
      `Next:\n  ${cd}npm install\n  npx pulumi-genie validate ${t.SPACES_DIR} --stack dev\n` +
        "  pulumi stack init dev && pulumi up --stack dev\n" +
        "    (needs the Pulumi CLI, https://www.pulumi.com/docs/install/, and a backend: `pulumi login --local` or Pulumi Cloud)\n" +
        "  no workspace yet? npx pulumi-genie demo  runs the dev stack against a local Genie emulator (no Pulumi CLI needed)\n",
    );
    return 0;
  });
}

export function registerInitCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command("init")
    .argument("[dir]", "folder for the new project (default: the current folder)", ".")
    .option("--minimal", "only the files a project needs: no comments, README or example space")
    .option("--force", "overwrite files that already exist (stack files are never overwritten)")
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
