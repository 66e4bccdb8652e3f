/**
 * `clone SOURCE --name TITLE (--to-file PATH | --to-workspace [--target-profile P]
 * [--warehouse-id W]) [--templatize k=v,…] [--var k=v,…]`: a copy of a space, as a space file to
 * edit and deploy, or made directly in the same or another workspace.
 *
 * Every item id is regenerated, so the copy is a new space whose ids never collide with (or
 * pretend to be) the source's. Catalog references are remapped the way export does it: the
 * literals named by --templatize become `${name}`; in a file they stay references for the stack's
 * variables, into a workspace they take the --var values (or stay as they were).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Command } from "commander";
import { fromSerializedSpace, loadSpaceFiles, SpaceFileError, toSerializedSpace, toSpaceYaml, type SpaceDefinition, isValidId } from "../../lib/space";
import { checkTargetFile } from "./create";
import { nameFromTitle } from "./export";
import { parsePairs } from "./pairs";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { writeConfined } from "./safe-path";
import { checkSelector, fetchSpace } from "./show";
import { addWorkspaceOptions, clientFor, resolveWorkspace, workspaceOptionsFrom, type WorkspaceOptions } from "./workspace";

export interface CloneOptions extends WorkspaceOptions {
  /** Source space: its id, or its exact title. */
  source: string;
  /** Title of the copy. */
  name: string;
  toFile?: string;
  toWorkspace?: boolean;
  /** Profile in ~/.databrickscfg of the target workspace (default: the source's workspace). */
  targetProfile?: string;
  /** Warehouse of the copy (required in another workspace: warehouse ids are per workspace). */
  warehouseId?: string;
  /** Folder of the copy (default: the source's folder in the same workspace, the home folder in another). */
  parentPath?: string;
  /** literal → `${name}`, as export: `{ catalog: "dev_catalog" }`. */
  templatize?: Record<string, string>;
  /** Values for the templatized names when cloning into a workspace. */
  vars?: Record<string, string>;
  force?: boolean;
  json?: boolean;
}

export interface CloneResult {
  sourceId: string;
  title: string;
  name: string;
  file?: string;
  spaceId?: string;
  url?: string;
  host: string;
}

/** Environment settings that would override a target profile (env beats profile in unified auth). */
const WORKSPACE_ENV = ["DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_AUTH_TYPE", "DATABRICKS_CONFIG_PROFILE"];

/** A deep copy with every item `id` replaced by a fresh 32-hex id (docs/genie-api.md §2.3 format). */
export function withFreshIds(def: SpaceDefinition): SpaceDefinition {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = k === "id" && typeof x === "string" && isValidId(x) ? randomBytes(16).toString("hex") : walk(x);
      return out;
    }
    return v;
  };
  return walk(def) as SpaceDefinition;
}

function checkOptions(opts: CloneOptions): void {
  checkSelector(isValidId(opts.source ?? "") ? { spaceId: opts.source } : { name: opts.source }, "clone");
  if (!opts.name?.trim()) throw new CliError("clone needs --name TITLE: the title of the copy", 2);
  if (!!opts.toFile === !!opts.toWorkspace) throw new CliError("clone needs exactly one of --to-file PATH (a space file) or --to-workspace (a new space)", 2);
  if (opts.toFile && (opts.targetProfile || Object.keys(opts.vars ?? {}).length)) {
    throw new CliError("--target-profile and --var apply to --to-workspace; a file takes its values from the stack's genie:variables", 2);
  }
  if (opts.toWorkspace && opts.targetProfile && !opts.warehouseId) {
    throw new CliError(`clone --to-workspace --target-profile ${opts.targetProfile} needs --warehouse-id: warehouse ids differ between workspaces, so the source's cannot be reused`, 2);
  }
  for (const v of Object.keys(opts.vars ?? {})) {
    if (!(v in (opts.templatize ?? {}))) throw new CliError(`--var ${v}=… has no --templatize ${v}=<literal> to replace`, 2);
  }
}

export async function cloneSpace(opts: CloneOptions): Promise<CloneResult> {
  checkOptions(opts);
  const projectDir = opts.projectDir ?? process.cwd();
  const file = opts.toFile ? path.resolve(projectDir, opts.toFile) : undefined;
  if (file) checkTargetFile(file, opts.force, "--to-file");

  const sourceWs = resolveWorkspace(opts);
  const source = clientFor(sourceWs, opts);
  const selector = isValidId(opts.source) ? { spaceId: opts.source } : { name: opts.source };
  const record = await fetchSpace(source, selector);
  if (record.serialized_space === undefined) {
    throw new CliError(`cannot clone Genie space "${record.title}" (${record.space_id}): the workspace returned no serialized_space\n  fix: the caller needs CAN EDIT on the source space to read its content`);
  }
  const title = opts.name.trim();
  const name = nameFromTitle(title, record.space_id);
  const definition = withFreshIds(fromSerializedSpace(record.serialized_space));
  const sameWorkspace = !opts.targetProfile;
  const yaml = toSpaceYaml({
    name,
    title,
    description: record.description || undefined,
    warehouseId: opts.warehouseId ?? record.warehouse_id,
    parentPath: opts.parentPath ?? (sameWorkspace ? record.parent_path || undefined : undefined),
    definition,
  }, { variables: opts.templatize ?? {} });

  if (file) {
    writeConfined(path.dirname(file), path.basename(file), `# Cloned by pulumi-genie from space ${record.space_id} ("${record.title}") in ${sourceWs.auth.host}; ids regenerated: a new space.\n${yaml}`, { what: "--to-file", overwrite: !!opts.force });
    return { sourceId: record.space_id, title, name, file, host: sourceWs.auth.host };
  }

  // Into a workspace: the file text above, read back with the --var values, is exactly the body
  // (so templating and escaping behave as in a deployed file).
  const loaded = await readBack(yaml, { ...(opts.templatize ?? {}), ...(opts.vars ?? {}) });
  const targetWs = sameWorkspace
    ? sourceWs
    : resolveWorkspace({ ...opts, host: undefined, stack: undefined, profile: opts.targetProfile, env: withoutWorkspaceEnv(opts.env ?? process.env) });
  const target = sameWorkspace ? source : clientFor(targetWs, opts);
  const created = await target.createSpace({
    title: loaded.title,
    description: loaded.description,
    warehouse_id: loaded.warehouseId,
    parent_path: loaded.parentPath,
    serialized_space: toSerializedSpace(loaded.definition),
  });
  return { sourceId: record.space_id, title: created.title, name, spaceId: created.space_id, url: `${targetWs.auth.host}/genie/rooms/${created.space_id}`, host: targetWs.auth.host };
}

function withoutWorkspaceEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !WORKSPACE_ENV.includes(k)));
}

async function readBack(yaml: string, variables: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pulumi-genie-clone-"));
  try {
    const file = path.join(dir, "space.yaml");
    fs.writeFileSync(file, yaml);
    const [loaded] = await loadSpaceFiles(file, { variables });
    return loaded;
  } catch (e) {
    if (e instanceof SpaceFileError) throw new CliError(`cannot clone: the copy is not a valid space after remapping:\n${e.problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`);
    throw e;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export async function runClone(opts: CloneOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const r = await cloneSpace(opts);
    if (opts.json) {
      io.stdout.write(JSON.stringify({ source_id: r.sourceId, title: r.title, name: r.name, file: r.file, space_id: r.spaceId, url: r.url }, null, 2) + "\n");
      return 0;
    }
    if (r.file) {
      const rel = path.relative(opts.projectDir ?? process.cwd(), r.file) || r.file;
      io.stdout.write(`Wrote ${rel}: "${r.title}" (name ${r.name}), a copy of space ${r.sourceId} with new ids.\n`);
      io.stdout.write(`Next: pulumi-genie validate ${path.dirname(rel)} --stack <stack>, then pulumi up creates it.\n`);
    } else {
      io.stdout.write(`Created Genie space "${r.title}" (${r.spaceId}) in ${r.host}, a copy of ${r.sourceId}\n  url: ${r.url}\n`);
    }
    return 0;
  });
}

export function registerCloneCommand(program: Command, io: CliIo = processIo()): void {
  addWorkspaceOptions(
    program
      .command("clone")
      .argument("<source>", "the space to copy: its id, or its exact title")
      .requiredOption("-n, --name <title>", "title of the copy")
      .option("--to-file <path>", "write the copy as a space file (to edit and deploy with Pulumi)")
      .option("--to-workspace", "create the copy directly in a workspace")
      .option("--target-profile <name>", "with --to-workspace: profile of another workspace (default: the source's)")
      .option("-w, --warehouse-id <id>", "warehouse of the copy (required in another workspace)")
      .option("--parent-path <folder>", "folder of the copy")
      .option("--templatize <name=literal,...>", "write these literals as ${name}, e.g. catalog=dev_catalog (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
      .option("--var <name=value,...>", "with --to-workspace: the value each templatized name takes there, e.g. catalog=prod_catalog", (v: string, prev: string[] = []) => [...prev, v])
      .option("--force", "overwrite an existing --to-file")
      .option("--json", "machine-readable result")
      .description("Copy a space (new ids) into a space file or directly into the same or another workspace."),
  ).action(async (source: string, flags: {
    name: string; toFile?: string; toWorkspace?: boolean; targetProfile?: string; warehouseId?: string; parentPath?: string;
    templatize?: string[]; var?: string[]; force?: boolean; json?: boolean; host?: string; profile?: string; stack?: string;
  }) => {
    // --var takes the same name=value pairs as --templatize (and as validate --var).
    const pairs = (flag: string, values: string[] | undefined): Record<string, string> | undefined => {
      try {
        return parsePairs(flag, values ?? [], flag === "--templatize" ? "literal" : "value");
      } catch (e) {
        io.stderr.write(`error: ${(e as Error).message}\n`);
        return undefined;
      }
    };
    const templatize = pairs("--templatize", flags.templatize);
    const vars = templatize && pairs("--var", flags.var);
    if (!templatize || !vars) {
      finish(io, 2);
      return;
    }
    finish(io, await runClone({
      ...workspaceOptionsFrom(flags), source, name: flags.name, toFile: flags.toFile, toWorkspace: flags.toWorkspace,
      targetProfile: flags.targetProfile, warehouseId: flags.warehouseId, parentPath: flags.parentPath, templatize, vars,
      force: flags.force, json: flags.json,
    }, io));
  });
}
