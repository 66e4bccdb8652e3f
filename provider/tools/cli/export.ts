/**
 * `export`: spaces of a workspace → YAML space files a person would write (our format), with
 * chosen literals replaced by `${var}` so the files promote to other workspaces, and — for a
 * stack — `genie:adopt` records so the next `pulumi up` adopts each space instead of creating it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { GenieClient, type GenieSpaceRecord } from "../../lib/client";
import { parse } from "yaml";
import { compareSpaces, fromSerializedSpace, loadSpaceFiles, toSpaceYaml } from "../../lib/space";
import { titleFilter } from "./format";
import { CliError, describeError, finish, processIo, runCommand, type CliIo } from "./io";
import { parsePairs } from "./pairs";
import { progressReporter } from "./progress";
import { readRegularFile, safeStem, writeConfined } from "./safe-path";
import { projectStacks, readStackFile, stackFileStem, stackVariables } from "./stack-config";
import { editStackFile, readAdoptions, stackFilePath, stackSpacesDir } from "./stack-edit";
import { addWorkspaceOptions, clientFor, resolveWorkspace, workspaceOptionsFrom, type WorkspaceOptions } from "./workspace";

export interface ExportOptions extends WorkspaceOptions {
  /** Export exactly these spaces. */
  spaceIds?: string[];
  /** Or every space whose title matches this glob. */
  pattern?: string;
  /** Leave out titles matching these globs. */
  exclude?: string[];
  /** Folder for the space files (created if missing). */
  out: string;
  /** variable → literal: each literal is written as `${variable}`. */
  templatize?: Record<string, string>;
  /** Spaces read at once (default 8; the client's rate limiter still applies). */
  concurrency?: number;
  /** Print the result (files, ids, failures, notes) as JSON on stdout. */
  json?: boolean;
}

export interface ExportedSpace {
  name: string;
  spaceId: string;
  title: string;
  file: string;
}

export interface ExportResult {
  exported: ExportedSpace[];
  failed: { spaceId: string; title?: string; error: string }[];
  /** Spaces left out because a file or adoption record of the project already manages them. */
  skipped: { spaceId: string; title: string; reason: string }[];
  stackFile?: string;
  notes: string[];
}

/** `catalog=dev_catalog,schema=analytics` → { catalog: "dev_catalog", schema: "analytics" }. */
export function parseTemplatize(specs: readonly string[]): Record<string, string> {
  return parsePairs("--templatize", specs, "literal");
}

/** A logical name (the future Pulumi resource name and file name) from a title: `Sales Analytics (dev)` → `sales_analytics_dev`. */
export function nameFromTitle(title: string, spaceId: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 60)
    .replace(/_+$/, "");
  if (slug === "") return `space_${spaceId.slice(0, 8)}`;
  return /^[a-z]/.test(slug) ? slug : `space_${slug}`;
}

async function targets(client: GenieClient, opts: ExportOptions): Promise<{ spaceId: string; title?: string }[]> {
  if (opts.spaceIds && opts.spaceIds.length > 0) return [...new Set(opts.spaceIds)].map((spaceId) => ({ spaceId }));
  if (opts.pattern === undefined) throw new CliError("export needs --space-id ID... or --pattern GLOB (e.g. --pattern '*' for every space)", 2);
  const keep = titleFilter(opts.pattern, opts.exclude);
  const out: { spaceId: string; title: string }[] = [];
  for await (const s of client.listSpaces()) if (keep(s.title ?? "")) out.push({ spaceId: s.space_id, title: s.title });
  return out;
}

/** Runs `task` over `items` with at most `limit` in flight; results keep the input order. */
async function pooled<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export async function exportSpaces(opts: ExportOptions, io: CliIo): Promise<ExportResult> {
  const workspace = resolveWorkspace({ ...opts, allowMissingStack: true });
  const client = clientFor(workspace, opts);
  const projectDir = opts.projectDir ?? process.cwd();
  const variables = opts.templatize ?? {};
  const outDir = path.resolve(projectDir, opts.out);
  const notes = [...workspace.notes];
  const stackFile = opts.stack ? stackFilePath(opts.stack, projectDir) : undefined;
  const adopted = stackFile ? readAdoptions(stackFile) : {};
  // An adopted name becomes the file name of its space: refuse a name that could leave the folder
  // before anything is read or written.
  for (const name of Object.keys(adopted)) {
    safeStem(name, `${path.relative(projectDir, stackFile!) || stackFile}: genie:adopt key`);
  }
  const deployedDir = opts.stack ? stackSpacesDir(opts.stack, projectDir) : undefined;
  const declared = await declaredSpaces([outDir, ...(deployedDir ? [deployedDir] : [])], opts.stack, projectDir);
  // Another stack of the project adopting a space (two stacks on one workspace) manages it too.
  for (const other of projectStacks(projectDir).filter((s) => s !== (opts.stack && stackFileStem(opts.stack)))) {
    const file = stackFilePath(other, projectDir);
    for (const [name, id] of Object.entries(readAdoptions(file))) declared.push({ file, name, spaceId: id, adoptedBy: other });
  }

  const wanted = await targets(client, opts);
  const progress = progressReporter(io, wanted.length, "exporting");
  const excluded = opts.spaceIds?.length ? titleFilter(undefined, opts.exclude) : () => true;
  type Fetched = { record: GenieSpaceRecord } | { error: string } | { skipped: true };
  const fetched = await pooled<{ spaceId: string; title?: string }, Fetched>(wanted, opts.concurrency ?? 8, async (t) => {
    try {
      const record = await client.getSpace(t.spaceId, { includeSerializedSpace: true, label: t.title ?? t.spaceId });
      if (!excluded(record.title ?? "")) {
        progress.step(`skipped "${record.title}" (${record.space_id}): excluded`);
        return { skipped: true };
      }
      if (record.serialized_space === undefined) {
        throw new CliError(
          `cannot export Genie space "${record.title}" (${record.space_id}): the workspace returned no serialized_space\n` +
            "  fix: the caller needs CAN EDIT on the space to read its content (docs/genie-api.md §1.3); ask its owner for access",
        );
      }
      progress.step(`read "${record.title}" (${record.space_id})`);
      return { record };
    } catch (e) {
      const error = describeError(e);
      progress.fail(error);
      return { error };
    }
  });

  // Names are given in listing order, after all reads, so they do not depend on timing. A space
  // the stack already adopts keeps its name, so exporting again rewrites the same files.
  const nameOfId = new Map(Object.entries(adopted).map(([name, id]) => [id, name]));
  const taken = new Set(Object.keys(adopted));
  // A file already in the folder is never overwritten by another space: it may be a space Pulumi
  // manages under that name. Files this command wrote earlier say which space they hold.
  for (const [name, id] of existingFiles(outDir)) {
    taken.add(name);
    if (id !== undefined && !nameOfId.has(id)) nameOfId.set(id, name);
  }
  const exported: ExportedSpace[] = [];
  const failed: ExportResult["failed"] = [];
  const skipped: ExportResult["skipped"] = [];
  for (let i = 0; i < wanted.length; i++) {
    const f = fetched[i];
    if ("skipped" in f) continue;
    if ("error" in f) {
      failed.push({ spaceId: wanted[i].spaceId, title: wanted[i].title, error: f.error });
      continue;
    }
    const r = f.record;
    let name = nameOfId.get(r.space_id);
    const managedBy = name === undefined ? managingFile(declared, r, projectDir) : undefined;
    if (managedBy !== undefined) {
      skipped.push({ spaceId: r.space_id, title: r.title ?? "", reason: managedBy });
      continue;
    }
    if (name === undefined) {
      const base = nameFromTitle(r.title ?? "", r.space_id);
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    }
    taken.add(name);
    const file = path.join(outDir, `${name}.yaml`);
    // Only a file holding this same space is rewritten (a re-export); any other name is new.
    const previous = readRegularFile(file);
    try {
      const definition = fromSerializedSpace(r.serialized_space!);
      const yaml = toSpaceYaml(
        { name, title: r.title ?? "", description: r.description || undefined, warehouseId: r.warehouse_id, parentPath: r.parent_path || undefined, definition },
        { variables },
      );
      writeConfined(outDir, `${name}.yaml`, `# Exported by pulumi-genie from ${workspace.auth.host}, space ${r.space_id}.\n${yaml}`, {
        what: "export file",
        overwrite: previous !== undefined,
      });
      await checkRoundTrip(file, r, variables);
      exported.push({ name, spaceId: r.space_id, title: r.title ?? "", file });
    } catch (e) {
      if (previous !== undefined) fs.writeFileSync(file, previous);
      else if (readRegularFile(file) !== undefined) fs.rmSync(file, { force: true });
      failed.push({ spaceId: r.space_id, title: r.title, error: `cannot export Genie space "${r.title}" (${r.space_id}): ${describeError(e)}` });
    }
  }
  progress.done();

  if (stackFile && exported.length > 0) {
    const edit = editStackFile(stackFile, {
      adopt: Object.fromEntries(exported.map((e) => [e.name, e.spaceId])),
      variables,
      header: `${opts.stack}: stack settings written by pulumi-genie export. Credentials never go here in clear text.`,
    });
    notes.push(...edit.notes);
    const deployed = stackSpacesDir(opts.stack!, projectDir);
    if (deployed !== undefined && path.resolve(deployed) !== outDir) {
      const rel = path.relative(projectDir, outDir) || ".";
      notes.push(`stack ${opts.stack} deploys ${path.relative(projectDir, deployed) || "."}, not ${rel}: run \`pulumi config set genie:spacesDir ${rel} --stack ${opts.stack}\` or move the files`);
    }
  }
  return { exported, failed, skipped, stackFile: stackFile && exported.length > 0 ? stackFile : undefined, notes };
}

/** A space a file of the project declares: by the id its header records, or by title and folder. */
interface DeclaredSpace {
  file: string;
  name?: string;
  /** The space id an export or create header records, or another stack's adoption record. */
  spaceId?: string;
  /** The stack whose genie:adopt holds `spaceId`. */
  adoptedBy?: string;
  title?: string;
  parentPath?: string;
}

/** `create --save-config` records the space it made; export files are matched by name (nameOfId) instead. */
const CREATE_HEADER = /^# Prototype made by `pulumi-genie create` in \S+ as space ([0-9a-f]{32})\./;
const SPACE_FILE = /\.(ya?ml|json)$/i;

/**
 * The spaces the files of these folders declare (regular files only: a link is never read), with
 * the stack's variables so titles such as `Sales (${env})` resolve as `pulumi up` resolves them.
 */
async function declaredSpaces(dirs: string[], stack: string | undefined, projectDir: string): Promise<DeclaredSpace[]> {
  let variables: Record<string, string> = {};
  if (stack !== undefined) {
    try {
      variables = stackVariables(readStackFile(stack, projectDir));
    } catch {
      // no stack file yet: titles with variables cannot be resolved, literal ones still match
    }
  }
  const out: DeclaredSpace[] = [];
  for (const dir of [...new Set(dirs.map((d) => path.resolve(d)))]) {
    const listing = fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? fs.readdirSync(dir).sort() : [];
    for (const entry of listing.filter((e) => SPACE_FILE.test(e))) {
      const file = path.join(dir, entry);
      const text = readRegularFile(file);
      if (text === undefined) continue;
      const recorded = CREATE_HEADER.exec(text.split("\n", 1)[0])?.[1];
      try {
        for (const s of await loadSpaceFiles(file, { variables, env: stack })) {
          out.push({ file, name: s.name, spaceId: recorded, title: s.title, parentPath: s.parentPath });
        }
      } catch {
        // A file that does not load with these values: its literal titles still count.
        out.push(...literalTitles(file, text).map((t) => ({ ...t, spaceId: recorded })));
      }
    }
  }
  return out;
}

function literalTitles(file: string, text: string): DeclaredSpace[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return [];
  }
  const record = (doc ?? {}) as { spaces?: unknown };
  const entries = (Array.isArray(record.spaces) ? record.spaces : [record]) as Record<string, unknown>[];
  const literal = (v: unknown) => (typeof v === "string" && !v.includes("${") ? v : undefined);
  // Only entries whose title and folder are both known: a templated folder could be any folder.
  return entries
    .filter((e) => e && typeof e === "object" && literal(e.title) !== undefined && (e.parent_path === undefined || literal(e.parent_path) !== undefined))
    .map((e) => ({ file, name: literal(e.name ?? e.space_id), title: literal(e.title), parentPath: literal(e.parent_path) }));
}

/** `/Workspace/Users/a` and `/Users/a/` name the same folder. */
const folderKey = (p: string | undefined) => (p ?? "").replace(/^\/Workspace(?=\/)/, "").replace(/\/+$/, "");

/**
 * Why exporting this space would make two resources manage it, or undefined. The service keeps
 * titles unique per folder, so a file declaring the same title in the same folder (or in the
 * caller's home folder, when it names none) is taken to be the space's own file.
 */
function managingFile(declared: DeclaredSpace[], r: GenieSpaceRecord, projectDir: string): string | undefined {
  const rel = (file: string) => path.relative(projectDir, file) || file;
  const byId = declared.find((d) => d.spaceId === r.space_id);
  if (byId?.adoptedBy) return `stack ${byId.adoptedBy} already adopts it as ${byId.name} (${rel(byId.file)}); two stacks would manage one space`;
  if (byId) return `${rel(byId.file)} already records space ${r.space_id}`;
  const byTitle = declared.find((d) => d.title === r.title && (d.parentPath === undefined || folderKey(d.parentPath) === folderKey(r.parent_path)));
  if (byTitle) {
    const name = byTitle.name ?? "<name>";
    return `${rel(byTitle.file)} declares a space with this title in this folder (name ${name}), so the project already manages it; ` +
      `if that file is not deployed yet, adopt the space for it instead: pulumi config set --path 'genie:adopt.${name}' ${r.space_id}`;
  }
  return undefined;
}

const EXPORT_HEADER = /^# Exported by pulumi-genie from \S+, space ([0-9a-f]{32})\./;

/** `<name>.yaml|yml|json` files of a folder → the space id an earlier export recorded in it (if any). */
function existingFiles(dir: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir)) {
    const m = /^(.+)\.(ya?ml|json)$/i.exec(entry);
    if (!m) continue;
    // A link still takes its name (never overwritten), but is not read: it may point anywhere.
    const firstLine = (readRegularFile(path.join(dir, entry)) ?? "").split("\n", 1)[0];
    out.set(m[1], EXPORT_HEADER.exec(firstLine)?.[1]);
  }
  return out;
}

/**
 * The written file must load back (with the same variables) to the body the workspace returned;
 * anything else would make the first `up` after adoption change the space.
 */
async function checkRoundTrip(file: string, record: GenieSpaceRecord, variables: Record<string, string>): Promise<void> {
  const [loaded] = await loadSpaceFiles(file, { variables });
  const differences = compareSpaces(loaded.definition, record.serialized_space!);
  if (differences.length > 0) {
    const paths = differences.slice(0, 5).map((d) => d.path).join(", ");
    throw new Error(`the written file does not reproduce the space (differs at ${paths}); please report this with the space's serialized_space`);
  }
}

export async function runExport(opts: ExportOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const result = await exportSpaces(opts, io);
    for (const f of result.failed) io.stderr.write(`error: ${f.error}\n`);
    for (const k of result.skipped) io.stderr.write(`skipped "${k.title}" (${k.spaceId}), not exported: ${k.reason}\n`);
    if (opts.json) {
      io.stdout.write(JSON.stringify(result, null, 2) + "\n");
      return result.failed.length > 0 ? 1 : 0;
    }
    const rel = (p: string) => path.relative(opts.projectDir ?? process.cwd(), p) || p;
    const skippedNote = result.skipped.length ? `, ${result.skipped.length} skipped (already managed by the project)` : "";
    io.stdout.write(`exported ${result.exported.length} space(s) to ${rel(path.resolve(opts.projectDir ?? process.cwd(), opts.out))}${skippedNote}${result.failed.length ? `, ${result.failed.length} failed` : ""}\n`);
    if (result.stackFile) {
      io.stdout.write(`recorded ${result.exported.length} adoption(s) (genie:adopt) in ${rel(result.stackFile)}: the next \`pulumi up --stack ${opts.stack}\` adopts these spaces instead of creating them\n`);
    }
    for (const note of result.notes) io.stderr.write(`note: ${note}\n`);
    return result.failed.length > 0 ? 1 : 0;
  });
}

interface ExportFlags {
  host?: string;
  profile?: string;
  stack?: string;
  spaceId?: string[];
  pattern?: string;
  exclude?: string[];
  out: string;
  templatize?: string[];
  concurrency?: string;
  json?: boolean;
}

export function registerExportCommand(program: Command, io: CliIo = processIo()): void {
  addWorkspaceOptions(
    program
      .command("export")
      .description(
        "Write spaces of the workspace as YAML space files; with --stack, record genie:adopt entries so the next `pulumi up` adopts them (no re-creation).",
      ),
  )
    .option("--space-id <id...>", "space ids to export")
    .option("-p, --pattern <glob>", "export every space whose title matches (e.g. 'Sales*', or '*' for all)")
    .option("-x, --exclude <glob...>", "leave out titles matching these globs")
    .requiredOption("--out <dir>", "folder for the space files")
    .option("--templatize <name=literal,...>", "write these literals as ${name}, e.g. catalog=dev_catalog,schema=analytics (repeatable)", (v: string, prev: string[] = []) => [...prev, v])
    .option("--concurrency <n>", "spaces read at once", "8")
    .option("--json", "print the result (files, space ids, failures) as JSON")
    .action(async (flags: ExportFlags) => {
      const code = await runCommand(io, async () => {
        const opts: ExportOptions = {
          ...workspaceOptionsFrom(flags),
          spaceIds: flags.spaceId,
          pattern: flags.pattern,
          exclude: flags.exclude,
          out: flags.out,
          templatize: parseTemplatize(flags.templatize ?? []),
          concurrency: Math.max(1, Number(flags.concurrency) || 8),
          json: flags.json,
        };
        return runExport(opts, io);
      });
      finish(io, code);
    });
}
