/**
 * `export`: spaces of a workspace → YAML space files a person would write (our format), with
 * chosen literals replaced by `${var}` so the files promote to other workspaces, and — for a
 * stack — `genie:adopt` records so the next `pulumi up` adopts each space instead of creating it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Command } from "commander";
import { GenieClient, type GenieSpaceRecord } from "../../lib/client";
import { compareSpaces, fromSerializedSpace, loadSpaceFiles, toSpaceYaml } from "../../lib/space";
import { titleFilter } from "./format";
import { CliError, describeError, finish, processIo, runCommand, type CliIo } from "./io";
import { progressReporter } from "./progress";
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
  stackFile?: string;
  notes: string[];
}

/** `catalog=dev_catalog,schema=analytics` → { catalog: "dev_catalog", schema: "analytics" }. */
export function parseTemplatize(specs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    for (const pair of spec.split(",")) {
      if (pair.trim() === "") continue;
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const literal = pair.slice(eq + 1);
      if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || literal === "") {
        throw new CliError(`--templatize expects name=literal pairs such as catalog=dev_catalog,schema=analytics (got "${pair}")`, 2);
      }
      out[name] = literal;
    }
  }
  return out;
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
  fs.mkdirSync(outDir, { recursive: true });
  for (let i = 0; i < wanted.length; i++) {
    const f = fetched[i];
    if ("skipped" in f) continue;
    if ("error" in f) {
      failed.push({ spaceId: wanted[i].spaceId, title: wanted[i].title, error: f.error });
      continue;
    }
    const r = f.record;
    let name = nameOfId.get(r.space_id);
    if (name === undefined) {
      const base = nameFromTitle(r.title ?? "", r.space_id);
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
    }
    taken.add(name);
    const file = path.join(outDir, `${name}.yaml`);
    try {
      const definition = fromSerializedSpace(r.serialized_space!);
      const yaml = toSpaceYaml(
        { name, title: r.title ?? "", description: r.description || undefined, warehouseId: r.warehouse_id, parentPath: r.parent_path || undefined, definition },
        { variables },
      );
      fs.writeFileSync(file, `# Exported by pulumi-genie from ${workspace.auth.host}, space ${r.space_id}.\n${yaml}`);
      await checkRoundTrip(file, r, variables);
      exported.push({ name, spaceId: r.space_id, title: r.title ?? "", file });
    } catch (e) {
      fs.rmSync(file, { force: true });
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
  return { exported, failed, stackFile: stackFile && exported.length > 0 ? stackFile : undefined, notes };
}

const EXPORT_HEADER = /^# Exported by pulumi-genie from \S+, space ([0-9a-f]{32})\./;

/** `<name>.yaml|yml|json` files of a folder → the space id an earlier export recorded in it (if any). */
function existingFiles(dir: string): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir)) {
    const m = /^(.+)\.(ya?ml|json)$/i.exec(entry);
    if (!m) continue;
    const firstLine = fs.readFileSync(path.join(dir, entry), "utf8").split("\n", 1)[0];
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
    if (opts.json) {
      io.stdout.write(JSON.stringify(result, null, 2) + "\n");
      return result.failed.length > 0 ? 1 : 0;
    }
    const rel = (p: string) => path.relative(opts.projectDir ?? process.cwd(), p) || p;
    io.stdout.write(`exported ${result.exported.length} space(s) to ${rel(path.resolve(opts.projectDir ?? process.cwd(), opts.out))}${result.failed.length ? `, ${result.failed.length} failed` : ""}\n`);
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
