/**
 * `migrate-genie-forge`: a genie-forge project (conf/spaces/*.yaml, conf/environments/<env>.yaml,
 * the .genie-forge.json state) → our stack files, one per environment, with its workspace, its
 * variables and a `genie:adopt` record for every space the state tracks — so the first
 * `pulumi up` on each stack takes the existing spaces over and re-creates none.
 *
 * genie-forge facts this relies on (its parsers.py / state.py):
 *  - it deploys the top-level `*.yaml` and `*.json` files of conf/spaces only (no subfolders,
 *    no `.yml`); `space_id` is the logical name, which we keep as the resource name;
 *  - an environment file's `variables`, plus its top-level `warehouse_id` and `workspace_url`,
 *    are the `${name}` values; an unknown `${name}` falls back to the process environment;
 *  - the state maps, per environment, logical name → `databricks_space_id` (null when never
 *    created) with a `status` (APPLIED, FAILED, DESTROYED, ...).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import { formatFileMessage, loadSpaceFiles, SpaceFileError, isValidId } from "../../lib/space";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { FileBatch, isInside, readRegularFile, safeStem } from "./safe-path";
import { planStackEdit, stackFilePath } from "./stack-edit";
import * as t from "./templates";

export interface MigrateOptions {
  /** The genie-forge project (where conf/ and .genie-forge.json are); default: the working directory. */
  project?: string;
  /** Our Pulumi project, where stacks/ is written; default: the working directory. */
  projectDir?: string;
  /** Folder (relative to projectDir) the space files are copied to; default "spaces". */
  spacesDir?: string;
  /** genie-forge state file; default <project>/.genie-forge.json. */
  stateFile?: string;
  /** Only these environments (default: every environment file and every environment in the state). */
  environments?: string[];
  json?: boolean;
}

export interface MigratedStack {
  environment: string;
  stackFile: string;
  host?: string;
  profile?: string;
  variables: Record<string, string>;
  adopt: Record<string, string>;
  /** Space files this stack deploys that the state does not track: the first `up` creates them. */
  creates: string[];
  /** Result of loading the space files with this stack's variables (offline `validate`). */
  valid: boolean;
}

export interface MigrationReport {
  spacesDir: string;
  /** The space files carried over (already identical in the target folder ones included). */
  copied: string[];
  /** Files of the target folder removed: only `init`'s example space, when unchanged. */
  removed: string[];
  /** False when a problem stopped the migration: then nothing at all was written. */
  written: boolean;
  stacks: MigratedStack[];
  /** What could not be carried over, one line each, with what to do. */
  notCarried: string[];
  problems: string[];
}

interface ForgeEnvironmentFile {
  workspace_url?: unknown;
  warehouse_id?: unknown;
  auth?: Record<string, unknown>;
  variables?: Record<string, unknown>;
  naming?: Record<string, unknown>;
  settings?: Record<string, unknown>;
  [key: string]: unknown;
}

interface ForgeStateSpace {
  logical_id?: string;
  databricks_space_id?: string | null;
  /** Older / hand-written states. */
  space_id?: string | null;
  title?: string;
  status?: string;
  error?: string | null;
}

interface ForgeState {
  environments?: Record<string, { workspace_url?: string; spaces?: Record<string, ForgeStateSpace> }>;
}

/** genie-forge's templates ship `<YOUR_DEV_WORKSPACE_URL>`-style placeholders. */
const isPlaceholder = (v: string) => /^<.*>$/.test(v.trim());
const nonEmpty = (v: unknown): string | undefined =>
  (typeof v === "string" || typeof v === "number") && String(v).trim() !== "" && !isPlaceholder(String(v)) ? String(v).trim() : undefined;
/** Auth keys that hold secrets: never copied into a stack file. */
const SECRET_AUTH_KEYS = new Set(["token", "client_secret", "password", "pat"]);
const KNOWN_ENV_KEYS = new Set(["workspace_url", "warehouse_id", "auth", "variables", "naming", "settings"]);

function readYaml(text: string): unknown {
  return parse(text);
}

/**
 * A file found in the genie-forge project, read only if it is a regular file or a link that stays
 * inside the project; a link leading out (a credentials file, another checkout) is never read,
 * and is reported instead.
 */
function readInsideTree(file: string, forgeRoot: string, shown: string, notCarried: string[]): string | undefined {
  const stat = fs.lstatSync(file);
  if (!stat.isSymbolicLink() && !stat.isFile()) return undefined;
  // The real path, not just the entry: a linked folder on the way (conf/spaces itself, say) leads
  // out of the project as surely as a linked file.
  let target: string;
  try {
    target = fs.realpathSync(file);
  } catch {
    notCarried.push(`${shown}: a link to nothing (its target is missing); skipped`);
    return undefined;
  }
  if (!isInside(forgeRoot, target) || !fs.statSync(target).isFile()) {
    notCarried.push(`${shown}: a link that leads outside the genie-forge project (or not to a file); not read and not copied (copy the file into the project if it belongs there)`);
    return undefined;
  }
  return fs.readFileSync(target, "utf8");
}

function environmentFiles(dir: string, forgeRoot: string, notCarried: string[]): Map<string, { file: string; text: string }> {
  const out = new Map<string, { file: string; text: string }>();
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir).sort()) {
    const m = /^(.+)\.ya?ml$/i.exec(entry);
    if (!m) continue;
    const text = readInsideTree(path.join(dir, entry), forgeRoot, path.join("conf/environments", entry), notCarried);
    if (text !== undefined) out.set(m[1], { file: path.join(dir, entry), text });
  }
  return out;
}

/** The files genie-forge itself deploys: top-level `*.yaml` then `*.json` (parsers.py parse_directory). */
function forgeSpaceFiles(dir: string, forgeRoot: string, notCarried: string[]): { name: string; text: string }[] {
  const files: { name: string; text: string }[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = path.join("conf/spaces", entry.name);
    if (entry.isDirectory()) {
      notCarried.push(`${rel}/: genie-forge does not deploy files in subfolders of conf/spaces, so they were not copied (move a file up a level to manage it)`);
    } else if (/\.(yaml|json)$/i.test(entry.name)) {
      const text = readInsideTree(path.join(dir, entry.name), forgeRoot, rel, notCarried);
      if (text !== undefined) files.push({ name: entry.name, text });
    } else if (/\.yml$/i.test(entry.name)) {
      notCarried.push(`${rel}: genie-forge only reads *.yaml and *.json, so this .yml file was not deployed by it and was not copied`);
    }
  }
  return files;
}

/** `${name}` references of the files (escaped `$${` excluded). */
function referencedVariables(texts: string[]): Set<string> {
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)) names.add(m[1]);
  return names;
}

export async function migrateGenieForge(opts: MigrateOptions): Promise<MigrationReport> {
  const forgeDir = path.resolve(opts.project ?? process.cwd());
  const projectDir = path.resolve(opts.projectDir ?? process.cwd());
  const forgeSpaces = path.join(forgeDir, "conf", "spaces");
  if (!fs.existsSync(forgeSpaces)) {
    throw new CliError(`${forgeSpaces} does not exist: --project must point at a genie-forge project (the folder holding conf/spaces/ and .genie-forge.json)`, 2);
  }
  const forgeRoot = fs.realpathSync(forgeDir);
  const notCarried: string[] = [];
  const problems: string[] = [];

  // 1. Space files: read now, copied unchanged (the space language loads genie-forge files as they are).
  const spacesRel = opts.spacesDir ?? "spaces";
  const spacesDir = path.resolve(projectDir, spacesRel);
  const files = forgeSpaceFiles(forgeSpaces, forgeRoot, notCarried);
  const referenced = referencedVariables(files.map((f) => f.text));

  // 2. State: logical name → space id, per environment. A --state-file is the user's choice;
  // the default one is found in the project and so follows the project's link rule.
  const stateFile = path.resolve(forgeDir, opts.stateFile ?? ".genie-forge.json");
  let state: ForgeState = {};
  const stateText = !fs.existsSync(stateFile)
    ? undefined
    : opts.stateFile
      ? fs.readFileSync(stateFile, "utf8")
      : readInsideTree(stateFile, forgeRoot, ".genie-forge.json", notCarried);
  if (stateText !== undefined) {
    try {
      state = JSON.parse(stateText) as ForgeState;
    } catch (e) {
      throw new CliError(`cannot read the genie-forge state ${stateFile}: ${(e as Error).message}; fix the JSON or pass --state-file`);
    }
  } else {
    notCarried.push(`no genie-forge state at ${stateFile}: no space is adopted, so the first \`pulumi up\` creates every space (pass --state-file if it lives elsewhere)`);
  }

  // 3. Environment names become stack file names: each must be a plain file stem.
  const envFiles = environmentFiles(path.join(forgeDir, "conf", "environments"), forgeRoot, notCarried);
  const envNames = [...new Set([...envFiles.keys(), ...Object.keys(state.environments ?? {})])].sort();
  for (const env of envNames) safeStem(env, `genie-forge environment (from ${envFiles.has(env) ? "conf/environments/" : "the state file"})`);
  const selected = opts.environments?.length ? envNames.filter((e) => opts.environments!.includes(e)) : envNames;
  for (const wanted of opts.environments ?? []) {
    if (!envNames.includes(wanted)) problems.push(`environment "${wanted}" has neither conf/environments/${wanted}.yaml nor state; known: ${envNames.join(", ") || "(none)"}`);
  }
  const hasProject = fs.existsSync(path.join(projectDir, "Pulumi.yaml"));
  if (!hasProject) {
    notCarried.push(`no Pulumi.yaml in ${projectDir}: stack files were written to stacks/; run \`pulumi-genie init ${path.relative(process.cwd(), projectDir) || "."}\` there to add the Pulumi project and its program (it keeps these stack files)`);
  }

  // 4. Plan every write; the space folder as `pulumi up` will see it is staged for validation.
  const batch = new FileBatch();
  const removed: string[] = [];
  const copies = planSpaceCopies(files, spacesDir, batch, problems);
  const example = path.join(spacesDir, "sales.yaml");
  if (!files.some((f) => f.name === "sales.yaml") && readRegularFile(example) === t.exampleSpace()) {
    // `init`'s example space, untouched: it is no space of the migrated project, and its tables
    // (the demo data) are not there; the first `up` would try to create it.
    removed.push(batch.remove(spacesDir, "sales.yaml", "example space"));
    notCarried.push(`removed ${path.relative(projectDir, example)}: the example space \`pulumi-genie init\` wrote, unchanged; the migrated spaces take its place`);
  }
  const staged = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-genie-migrate-"));
  const report = { spacesDir, copied: files.map((f) => f.name), removed, written: false, stacks: [] as MigratedStack[], notCarried, problems };
  try {
    const stagedSpaces = path.join(staged, "spaces");
    if (fs.existsSync(spacesDir)) fs.cpSync(spacesDir, stagedSpaces, { recursive: true, verbatimSymlinks: true });
    else fs.mkdirSync(stagedSpaces);
    for (const file of removed) fs.rmSync(path.join(stagedSpaces, path.basename(file)), { force: true });
    for (const f of copies) fs.writeFileSync(path.join(stagedSpaces, f.name), f.text);

    for (const env of selected) {
      const stack = await planStack(env, { forgeDir, projectDir, spacesDir, stagedSpaces, stateFile, hasProject, envFiles, state, referenced, files, notCarried, problems });
      if (stack === undefined) continue;
      batch.write(path.dirname(stack.plan.file), path.basename(stack.plan.file), stack.plan.text, { what: "stack file", overwrite: true });
      report.stacks.push(stack.stack);
    }
  } finally {
    fs.rmSync(staged, { recursive: true, force: true });
  }
  if (selected.length === 0) problems.push("no environment found: add conf/environments/<env>.yaml or a .genie-forge.json state");
  if (problems.length === 0) {
    batch.commit();
    report.written = true;
  }
  return report;
}

/** Copies planned into the space folder: a file already there with the same text stays as it is; one with other text stops the migration. */
function planSpaceCopies(files: { name: string; text: string }[], spacesDir: string, batch: FileBatch, problems: string[]): { name: string; text: string }[] {
  for (const f of files) {
    const target = path.join(spacesDir, f.name);
    const existing = readRegularFile(target);
    if (existing === f.text) continue;
    if (existing !== undefined || fs.existsSync(target)) {
      problems.push(`${target} already exists with other content: move it away (or pass --spaces-dir) and migrate again`);
      continue;
    }
    batch.write(spacesDir, f.name, f.text, { what: "space file" });
  }
  return files;
}

interface StackContext {
  forgeDir: string;
  projectDir: string;
  spacesDir: string;
  stagedSpaces: string;
  stateFile: string;
  hasProject: boolean;
  envFiles: Map<string, { file: string; text: string }>;
  state: ForgeState;
  referenced: Set<string>;
  files: { name: string; text: string }[];
  notCarried: string[];
  problems: string[];
}

/** One environment → its stack file's new text and what it adopts and creates. */
async function planStack(env: string, c: StackContext): Promise<{ stack: MigratedStack; plan: ReturnType<typeof planStackEdit> } | undefined> {
  const { notCarried, problems } = c;
  const envFile = c.envFiles.get(env);
  let data: ForgeEnvironmentFile;
  try {
    data = (envFile ? (readYaml(envFile.text) ?? {}) : {}) as ForgeEnvironmentFile;
  } catch (e) {
    problems.push(`${path.relative(c.forgeDir, envFile!.file)} is not valid YAML: ${(e as Error).message.split("\n")[0]}`);
    return undefined;
  }
  const envState = c.state.environments?.[env];
  const where = envFile ? path.relative(c.forgeDir, envFile.file) : `(state only) ${env}`;

  const variables: Record<string, string> = {};
  for (const [k, v] of Object.entries(data.variables ?? {})) {
    if (v === null || typeof v === "object") {
      notCarried.push(`${where}: variables.${k} is not a plain value; set it by hand if a space uses it`);
      continue;
    }
    variables[k] = String(v);
  }
  // genie-forge exposes these two top-level keys as variables as well.
  const warehouse = nonEmpty(data.warehouse_id);
  if (warehouse !== undefined && variables.warehouse_id === undefined) variables.warehouse_id = warehouse;
  const fileHost = nonEmpty(data.workspace_url);
  const stateHost = nonEmpty(envState?.workspace_url);
  const host = fileHost ?? stateHost;
  if (c.referenced.has("workspace_url") && host !== undefined && variables.workspace_url === undefined) variables.workspace_url = host;
  if (fileHost && stateHost && fileHost.replace(/\/+$/, "") !== stateHost.replace(/\/+$/, "")) {
    notCarried.push(`${env}: ${where} says workspace ${fileHost} but the state was applied to ${stateHost}; the stack uses ${fileHost} — check the adoption records point at spaces in that workspace`);
  }
  if (host === undefined) notCarried.push(`${env}: no workspace URL (workspace_url is missing or a placeholder): run \`pulumi config set databricks:host https://<workspace> --stack ${env}\``);

  const profile = nonEmpty(data.auth?.profile);
  for (const key of Object.keys(data.auth ?? {})) {
    if (SECRET_AUTH_KEYS.has(key)) notCarried.push(`${env}: auth.${key} is a secret and was not copied: \`pulumi config set --secret databricks:${key === "client_secret" ? "clientSecret" : "token"} <value> --stack ${env}\` or set it in the environment`);
    else if (key !== "profile") notCarried.push(`${env}: auth.${key} has no stack setting here; use a ~/.databrickscfg profile or DATABRICKS_* environment variables`);
  }
  for (const [k, v] of Object.entries(data.naming ?? {})) {
    if (nonEmpty(v) !== undefined) notCarried.push(`${env}: naming.${k} = ${JSON.stringify(v)} is not applied by pulumi-genie; put it in the titles (e.g. a \${title_prefix} variable) if you rely on it`);
  }
  if (data.settings && Object.keys(data.settings).length > 0) {
    notCarried.push(`${env}: settings (${Object.keys(data.settings).join(", ")}) have Pulumi equivalents: \`pulumi preview\` for a dry run, \`pulumi up\` asks before applying unless --yes`);
  }
  for (const key of Object.keys(data)) if (!KNOWN_ENV_KEYS.has(key)) notCarried.push(`${where}: "${key}" is not understood by this migration and was not carried over`);
  for (const name of c.referenced) {
    if (name !== "env" && variables[name] === undefined) {
      notCarried.push(`${env}: \${${name}} is used by the space files but has no value here (genie-forge would have read the process environment): add \`${name}: <value>\` under variables in conf/environments/${env}.yaml and migrate again, or leave ${env} out with --env`);
    }
  }

  // Load with this stack's variables: the definitions and logical names `pulumi up` will see.
  let names: string[] = [];
  let valid = true;
  try {
    const loaded = await loadSpaceFiles(c.stagedSpaces, { variables, env });
    names = loaded.map((s) => s.name);
    // What the loader mapped for the API (e.g. a genie-forge join_type, which the API cannot store).
    const shown = (file: string) => file.split(c.stagedSpaces).join(path.relative(c.projectDir, c.spacesDir) || ".");
    for (const w of loaded.warnings) notCarried.push(`${env}: ${formatFileMessage(w, shown)}`);
  } catch (e) {
    valid = false;
    const message = (e instanceof SpaceFileError ? e.message : (e as Error).message).split(c.stagedSpaces).join(path.relative(c.projectDir, c.spacesDir) || ".");
    problems.push(`${env}: the space files do not validate with this stack's variables:\n${message}`);
    names = c.files.flatMap((f) => logicalNames(f.text));
  }

  const adopt: Record<string, string> = {};
  for (const [logical, entry] of Object.entries(envState?.spaces ?? {})) {
    const id = entry.databricks_space_id ?? entry.space_id ?? undefined;
    const status = (entry.status ?? "APPLIED").toUpperCase();
    if (status === "DESTROYED") continue;
    if (!id) {
      notCarried.push(`${env}: state entry "${logical}" has no space id (status ${status}); the first \`pulumi up\` creates it if a space file defines it`);
      continue;
    }
    if (!isValidId(id)) {
      notCarried.push(`${env}: state entry "${logical}" has a malformed space id ${JSON.stringify(id)}; not adopted`);
      continue;
    }
    if (!names.includes(logical)) {
      notCarried.push(`${env}: state tracks "${logical}" (space ${id}) but no copied space file defines it; it was not adopted and stays in the workspace untouched`);
      continue;
    }
    if (status !== "APPLIED") notCarried.push(`${env}: "${logical}" was left ${status}${entry.error ? ` (${entry.error})` : ""} by genie-forge; adopted anyway — the first \`pulumi up\` brings it to the file's content`);
    adopt[logical] = id;
  }
  const creates = names.filter((n) => adopt[n] === undefined);

  const stackFile = c.hasProject ? stackFilePath(env, c.projectDir) : path.join(c.projectDir, "stacks", `Pulumi.${env}.yaml`);
  const settings: Record<string, string> = {};
  if (host !== undefined) settings["databricks:host"] = host;
  if (profile !== undefined) settings["databricks:profile"] = profile;
  settings["genie:spacesDir"] = path.relative(c.projectDir, c.spacesDir) || ".";
  const plan = planStackEdit(stackFile, {
    settings,
    // A stack `init` scaffolded holds placeholders the migrated values replace; a value the user
    // chose is kept (and reported).
    placeholders: t.placeholderVariables(env),
    unsetIfEqual: profile !== undefined ? { "databricks:authType": t.CI_AUTH_TYPE } : undefined,
    variables,
    adopt,
    header:
      `${env}: migrated from genie-forge (${path.relative(c.projectDir, envFile?.file ?? c.stateFile) || envFile?.file}).\n` +
      "Credentials never go here in clear text: use a profile, DATABRICKS_* variables, or `pulumi config set --secret`.",
  });
  notCarried.push(...plan.notes.map((n) => `${env}: ${n}`));
  return { stack: { environment: env, stackFile, host, profile, variables, adopt, creates, valid }, plan };
}

/** Logical names of a genie-forge file without validating it (for a file that does not load). */
function logicalNames(text: string): string[] {
  try {
    const doc = readYaml(text) as { spaces?: { space_id?: unknown; name?: unknown }[]; space_id?: unknown; name?: unknown } | null;
    const entries = Array.isArray(doc?.spaces) ? doc!.spaces : doc ? [doc] : [];
    return entries.map((s) => String(s.space_id ?? s.name ?? "")).filter((n) => n !== "");
  } catch {
    return [];
  }
}

export function formatMigration(report: MigrationReport, projectDir: string): string {
  const rel = (p: string) => path.relative(projectDir, p) || ".";
  const verb = report.written ? "" : "would be ";
  const lines = [`${report.copied.length} space file(s) ${verb}copied to ${rel(report.spacesDir)}: ${report.copied.join(", ")}`];
  for (const s of report.stacks) {
    lines.push(
      `${rel(s.stackFile)}: workspace ${s.host ?? "(not set)"}${s.profile ? `, profile ${s.profile}` : ""}, ${Object.keys(s.variables).length} variable(s), ` +
        `${Object.keys(s.adopt).length} adopted space(s)${s.creates.length ? `, ${s.creates.length} to create (${s.creates.join(", ")})` : ""}${s.valid ? "" : " — INVALID, see below"}`,
    );
  }
  if (report.notCarried.length > 0) {
    lines.push("", "not carried over (check these):");
    for (const n of report.notCarried) lines.push(`  - ${n}`);
  }
  if (report.written) {
    lines.push("", "next: `pulumi preview --stack <env>` on each stack shows the adoptions; `pulumi up` takes the spaces over with no re-creation.");
  } else {
    lines.push("", "nothing was written: fix the problems below and migrate again.");
  }
  return lines.join("\n") + "\n";
}

export async function runMigrateGenieForge(opts: MigrateOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const report = await migrateGenieForge(opts);
    const projectDir = path.resolve(opts.projectDir ?? process.cwd());
    io.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : formatMigration(report, projectDir));
    for (const p of report.problems) io.stderr.write(`error: ${p}\n`);
    if (!report.written) io.stderr.write("error: the migration stopped before writing anything; the project is as it was\n");
    return report.problems.length > 0 ? 1 : 0;
  });
}

export function registerMigrateGenieForgeCommand(program: Command, io: CliIo = processIo()): void {
  program
    .command("migrate-genie-forge")
    .description(
      "Turn a genie-forge project into stack files (workspace, variables, genie:adopt for every tracked space) so `pulumi up` takes the existing spaces over; reports what it could not carry over.",
    )
    .option("--project <dir>", "the genie-forge project (holds conf/ and .genie-forge.json)", ".")
    .option("--state-file <file>", "genie-forge state file (default <project>/.genie-forge.json)")
    .option("--spaces-dir <dir>", "where to copy the space files, relative to this Pulumi project", "spaces")
    .option("--env <name...>", "only these environments")
    .option("--json", "machine-readable report")
    .action(async (flags: { project: string; stateFile?: string; spacesDir: string; env?: string[]; json?: boolean }) => {
      const code = await runMigrateGenieForge(
        { project: flags.project, stateFile: flags.stateFile, spacesDir: flags.spacesDir, environments: flags.env, json: flags.json },
        io,
      );
      finish(io, code);
    });
}
