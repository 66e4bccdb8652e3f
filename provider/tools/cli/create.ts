/**
 * `create TITLE --warehouse-id W --tables a.b.c,… [--questions …] [--instructions …]
 * [--save-config PATH]`: a quick prototype space straight in the workspace; `--save-config`
 * writes the equivalent space file so the prototype can move under Pulumi (adopted, not re-made).
 *
 * Everything is checked before anything happens: bad input creates no space and writes no file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { fromSerializedSpace, SpaceValidationError, toSerializedSpace, toSpaceYaml, type SpaceInput } from "../../lib/space";
import { nameFromTitle } from "./export";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { confinedPath, writeConfined } from "./safe-path";
import { addWorkspaceOptions, clientFor, resolveWorkspace, workspaceOptionsFrom, type WorkspaceOptions } from "./workspace";

export interface CreateOptions extends WorkspaceOptions {
  title: string;
  warehouseId?: string;
  /** `catalog.schema.table` names (each entry may itself be a comma-separated list). */
  tables: string[];
  questions?: string[];
  instructions?: string[];
  description?: string;
  /** Workspace folder (default: the caller's home folder, as the API does). */
  parentPath?: string;
  /** Write the equivalent space file here (relative to projectDir). */
  saveConfig?: string;
  /** Overwrite an existing --save-config file. */
  force?: boolean;
  json?: boolean;
}

const TABLE_NAME = /^[^.\s]+\.[^.\s]+\.[^.\s]+$/;

export function splitList(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) => v.split(",")).map((v) => v.trim()).filter((v) => v !== "");
}

/** The prototype's definition in the friendly form; throws CliError naming every problem. */
export function prototypeSpace(opts: Pick<CreateOptions, "tables" | "questions" | "instructions">): SpaceInput {
  const tables = splitList(opts.tables);
  if (tables.length === 0) throw new CliError("create needs --tables catalog.schema.table[,…]: a Genie space answers questions about at least one table", 2);
  const bad = tables.filter((t) => !TABLE_NAME.test(t));
  if (bad.length) throw new CliError(`--tables takes 3-part names catalog.schema.table; not one: ${bad.map((b) => `"${b}"`).join(", ")}`, 2);
  const questions = (opts.questions ?? []).map((q) => q.trim()).filter((q) => q !== "");
  const instructions = (opts.instructions ?? []).map((i) => i.trim()).filter((i) => i !== "");
  const input: Record<string, unknown> = { data_sources: { tables: [...new Set(tables)].map((identifier) => ({ identifier })) } };
  if (questions.length) input.config = { sample_questions: questions };
  if (instructions.length) input.instructions = { text_instructions: instructions };
  return input as unknown as SpaceInput;
}

/**
 * The --save-config target, refused when it exists (unless --force) or is a link (never written
 * through, even with --force) — checked before the space is made.
 */
export function checkTargetFile(file: string, force: boolean | undefined, flag: string): void {
  confinedPath(path.dirname(file), path.basename(file), flag);
  if (fs.existsSync(file) && fs.statSync(file).isDirectory()) throw new CliError(`${flag} ${file} is a folder: give a file path such as ${path.join(file, "space.yaml")}`, 2);
  if (fs.existsSync(file) && !force) throw new CliError(`${flag} ${file} already exists: nothing was created or written\n  fix: choose another path, or pass --force to overwrite it`, 2);
}

export interface CreateResult {
  spaceId: string;
  title: string;
  url: string;
  file?: string;
  name: string;
}

export async function createPrototype(opts: CreateOptions): Promise<CreateResult> {
  const title = opts.title?.trim();
  if (!title) throw new CliError("create needs a TITLE: pulumi-genie create \"Sales prototype\" --warehouse-id … --tables …", 2);
  if (!opts.warehouseId?.trim()) {
    throw new CliError("create needs --warehouse-id: the SQL warehouse the space runs its queries on (SQL Warehouses → the warehouse → Overview → ID)", 2);
  }
  const input = prototypeSpace(opts);
  let serialized: string;
  try {
    serialized = toSerializedSpace(input);
  } catch (e) {
    if (e instanceof SpaceValidationError) throw new CliError(`cannot create Genie space "${title}": ${e.message}`, 2);
    throw e;
  }
  const projectDir = opts.projectDir ?? process.cwd();
  const file = opts.saveConfig ? path.resolve(projectDir, opts.saveConfig) : undefined;
  if (file) checkTargetFile(file, opts.force, "--save-config");

  const workspace = resolveWorkspace(opts);
  const client = clientFor(workspace, opts);
  const record = await client.createSpace({
    title,
    description: opts.description,
    warehouse_id: opts.warehouseId.trim(),
    parent_path: opts.parentPath,
    serialized_space: serialized,
  });
  const name = nameFromTitle(title, record.space_id);
  const result: CreateResult = { spaceId: record.space_id, title: record.title, url: `${workspace.auth.host}/genie/rooms/${record.space_id}`, name };
  if (file) {
    const yaml = toSpaceYaml({
      name,
      // The title as given (a taken title is refused by the client, never renamed by the service).
      title,
      description: opts.description,
      warehouseId: opts.warehouseId.trim(),
      parentPath: opts.parentPath,
      definition: fromSerializedSpace(record.serialized_space ?? serialized),
    });
    writeConfined(path.dirname(file), path.basename(file), `# Prototype made by \`pulumi-genie create\` in ${workspace.auth.host} as space ${record.space_id}.\n` +
      `# To manage it with Pulumi instead of creating a second one, adopt it in the stack:\n` +
      `#   pulumi config set --path 'genie:adopt.${name}' ${record.space_id}\n${yaml}`, { what: "--save-config", overwrite: !!opts.force });
    result.file = file;
  }
  return result;
}

export async function runCreate(opts: CreateOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const r = await createPrototype(opts);
    const projectDir = opts.projectDir ?? process.cwd();
    if (opts.json) {
      io.stdout.write(JSON.stringify({ space_id: r.spaceId, title: r.title, url: r.url, name: r.name, file: r.file }, null, 2) + "\n");
      return 0;
    }
    io.stdout.write(`Created Genie space "${r.title}" (${r.spaceId})\n  url: ${r.url}\n`);
    if (r.file) {
      const rel = path.relative(projectDir, r.file) || r.file;
      io.stdout.write(`Wrote ${rel}: the same space as a file. To manage it with Pulumi (adopted, not re-created):\n`);
      io.stdout.write(`  move it into the stack's spaces folder, then: pulumi config set --path 'genie:adopt.${r.name}' ${r.spaceId}\n`);
    }
    return 0;
  });
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function registerCreateCommand(program: Command, io: CliIo = processIo()): void {
  addWorkspaceOptions(
    program
      .command("create")
      .argument("<title>", "the space's title")
      .option("-w, --warehouse-id <id>", "SQL warehouse the space queries with (required)")
      .option("-t, --tables <names>", "catalog.schema.table names, comma-separated (repeatable)", collect)
      .option("-q, --question <text>", "a sample question (repeatable)", collect)
      .option("--questions <text...>", "sample questions, one argument each")
      .option("-i, --instruction <text>", "a text instruction (repeatable)", collect)
      .option("--instructions <text...>", "text instructions, one argument each")
      .option("-d, --description <text>", "the space's description")
      .option("--parent-path <folder>", "workspace folder (default: your home folder)")
      .option("--save-config <path>", "also write the equivalent space file here")
      .option("--force", "overwrite an existing --save-config file")
      .option("--json", "machine-readable result")
      .description("Create a quick prototype space from tables, questions and instructions; --save-config writes the equivalent space file."),
  ).action(async (title: string, flags: {
    warehouseId?: string; tables?: string[]; question?: string[]; questions?: string[]; instruction?: string[]; instructions?: string[];
    description?: string; parentPath?: string; saveConfig?: string; force?: boolean; json?: boolean; host?: string; profile?: string; stack?: string;
  }) => {
    finish(io, await runCreate({
      ...workspaceOptionsFrom(flags),
      title,
      warehouseId: flags.warehouseId,
      tables: flags.tables ?? [],
      questions: [...(flags.question ?? []), ...(flags.questions ?? [])],
      instructions: [...(flags.instruction ?? []), ...(flags.instructions ?? [])],
      description: flags.description,
      parentPath: flags.parentPath,
      saveConfig: flags.saveConfig,
      force: flags.force,
      json: flags.json,
    }, io));
  });
}
