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
import * as path from "node:path";
import type { Command } from "commander";
import { parse } from "yaml";
import { loadSpaceFiles, SpaceFileError, isValidId } from "../../lib/space";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { editStackFile, stackFilePath } from "./stack-edit";

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
  copied: string[];
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

function readYaml(file: string): unknown {
  return parse(fs.readFileSync(file, "utf8"));
}

function environmentFiles(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir).sort()) {
    const m = /^(.+)\.ya?ml$/i.exec(entry);
    if (m) out.set(m[1], path.join(dir, entry));
  }
  return out;
}

/** The files genie-forge itself deploys: top-level `*.yaml` then `*.json` (parsers.py parse_directory). */
function forgeSpaceFiles(dir: string, notCarried: string[]): string[] {
  const files: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const rel = path.join("conf/spaces", entry.name);
    if (entry.isDirectory()) {
      notCarried.push(`${rel}/: genie-forge does not deploy files in subfolders of conf/spaces, so they were not copied (move a file up a level to manage it)`);
    } else if (/\.(yaml|json)$/i.test(entry.name)) {
      files.push(entry.name);
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
  const notCarried: string[] = [];
  const problems: string[] = [];

  // 1. Space files: copied unchanged (the space language loads genie-forge files as they are).
  const spacesRel = opts.spacesDir ?? "spaces";
  const spacesDir = path.resolve(projectDir, spacesRel);
  const files = forgeSpaceFiles(forgeSpaces, notCarried);
  fs.mkdirSync(spacesDir, { recursive: true });
  const texts: string[] = [];
  for (const f of files) {
    const text = fs.readFileSync(path.join(forgeSpaces, f), "utf8");
    texts.push(text);
    fs.writeFileSync(path.join(spacesDir, f), text);
  }
  const referenced = referencedVariables(texts);

  // 2. State: logical name → space id, per environment.
  const stateFile = path.resolve(forgeDir, opts.stateFile ?? ".genie-forge.json");
  let state: ForgeState = {};
  if (fs.existsSync(stateFile)) {
    try {
      state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as ForgeState;
    } catch (e) {
      throw new CliError(`cannot read the genie-forge state ${stateFile}: ${(e as Error).message}; fix the JSON or pass --state-file`);
    }
  } else {
    notCarried.push(`no genie-forge state at ${stateFile}: no space is adopted, so the first \`pulumi up\` creates every space (pass --state-file if it lives elsewhere)`);
  }

  // 3. One stack per environment.
  const envFiles = environmentFiles(path.join(forgeDir, "conf", "environments"));
  const envNames = [...new Set([...envFiles.keys(), ...Object.keys(state.environments ?? {})])].sort();
  const selected = opts.environments?.length ? envNames.filter((e) => opts.environments!.includes(e)) : envNames;
  for (const wanted of opts.environments ?? []) {
    if (!envNames.includes(wanted)) problems.push(`environment "${wanted}" has neither conf/environments/${wanted}.yaml nor state; known: ${envNames.join(", ") || "(none)"}`);
  }
  const hasProject = fs.existsSync(path.join(projectDir, "Pulumi.yaml"));
  if (!hasProject) {
    notCarried.push(`no Pulumi.yaml in ${projectDir}: stack files were written to stacks/; create the project with \`stackConfigDir: stacks\` and the stack program (see the README)`);
  }

  const stacks: MigratedStack[] = [];
  for (const env of selected) {
    const envFile = envFiles.get(env);
    const data = (envFile ? (readYaml(envFile) ?? {}) : {}) as ForgeEnvironmentFile;
    const envState = state.environments?.[env];
    const where = envFile ? path.relative(forgeDir, envFile) : `(state only) ${env}`;

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
    if (referenced.has("workspace_url") && host !== undefined && variables.workspace_url === undefined) variables.workspace_url = host;
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
    for (const name of referenced) {
      if (name !== "env" && variables[name] === undefined) {
        notCarried.push(`${env}: \${${name}} is used by the space files but has no value here (genie-forge would have read the process environment): \`pulumi config set --path 'genie:variables.${name}' <value> --stack ${env}\``);
      }
    }

    // Load with this stack's variables: the definitions and logical names `pulumi up` will see.
    let names: string[] = [];
    let valid = true;
    try {
      names = (await loadSpaceFiles(spacesDir, { variables, env })).map((s) => s.name);
    } catch (e) {
      valid = false;
      problems.push(`${env}: the space files do not validate with this stack's variables:\n${e instanceof SpaceFileError ? e.message : (e as Error).message}`);
      names = files.flatMap((f) => logicalNames(path.join(spacesDir, f)));
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

    const stackFile = hasProject ? stackFilePath(env, projectDir) : path.join(projectDir, "stacks", `Pulumi.${env}.yaml`);
    const settings: Record<string, string> = {};
    if (host !== undefined) settings["databricks:host"] = host;
    if (profile !== undefined) settings["databricks:profile"] = profile;
    settings["genie:spacesDir"] = path.relative(projectDir, spacesDir) || ".";
    const edit = editStackFile(stackFile, {
      settings,
      variables,
      adopt,
      header:
        `${env}: migrated from genie-forge (${path.relative(projectDir, envFile ?? stateFile) || envFile}).\n` +
        "Credentials never go here in clear text: use a profile, DATABRICKS_* variables, or `pulumi config set --secret`.",
    });
    notCarried.push(...edit.notes.map((n) => `${env}: ${n}`));
    stacks.push({ environment: env, stackFile, host, profile, variables, adopt, creates, valid });
  }
  if (selected.length === 0) problems.push("no environment found: add conf/environments/<env>.yaml or a .genie-forge.json state");
  return { spacesDir, copied: files, stacks, notCarried, problems };
}

/** Logical names of a genie-forge file without validating it (for a file that does not load). */
function logicalNames(file: string): string[] {
  try {
    const doc = readYaml(file) as { spaces?: { space_id?: unknown; name?: unknown }[]; space_id?: unknown; name?: unknown } | null;
    const entries = Array.isArray(doc?.spaces) ? doc!.spaces : doc ? [doc] : [];
    return entries.map((s) => String(s.space_id ?? s.name ?? "")).filter((n) => n !== "");
  } catch {
    return [];
  }
}

export function formatMigration(report: MigrationReport, projectDir: string): string {
  const rel = (p: string) => path.relative(projectDir, p) || ".";
  const lines = [`copied ${report.copied.length} space file(s) to ${rel(report.spacesDir)}: ${report.copied.join(", ")}`];
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
  lines.push("", "next: `pulumi preview --stack <env>` on each stack shows the adoptions; `pulumi up` takes the spaces over with no re-creation.");
  return lines.join("\n") + "\n";
}

export async function runMigrateGenieForge(opts: MigrateOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const report = await migrateGenieForge(opts);
    const projectDir = path.resolve(opts.projectDir ?? process.cwd());
    io.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : formatMigration(report, projectDir));
    for (const p of report.problems) io.stderr.write(`error: ${p}\n`);
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
