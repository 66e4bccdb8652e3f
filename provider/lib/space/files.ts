/**
 * Space files: load a file or a folder of `*.yaml`, `*.yml`, `*.json` into named, validated,
 * canonical definitions. Every problem of every file is collected and reported together, each
 * with file:line:col (positions.ts); which files are read, and how, is folder.ts.
 */
import * as nodePath from "node:path";
import { visit, type Document } from "yaml";
import { environmentFile, listSpaceFiles, readSpaceText } from "./folder";
import { type Dialect, readSpace } from "./normalize";
import {
  duplicateKeys, FileContext, formatFileMessage, MAX_REPORTED, parseYaml, pathSegments, segsToPath, type Segment, type SpaceFileProblem, type SpaceFileWarning,
} from "./positions";
import { describe, suggestKey } from "./problems";
import type { SpaceDefinition } from "./schema";
import { hasVariableSyntax, substituteVariables } from "./variables";

export type { SpaceFileProblem, SpaceFileWarning } from "./positions";
export { formatFileMessage } from "./positions";

export interface LoadOptions {
  /** values for `${name}` references */
  variables?: Record<string, string>;
  /** environment name: the value of `${env}`, and selects `environments/<env>.yaml` (genie-forge layout) */
  env?: string;
}

export interface LoadedSpace {
  /** logical name (the Pulumi resource name): `name`, genie-forge `space_id`, or the file's base name */
  name: string;
  title: string;
  description?: string;
  warehouseId: string;
  parentPath?: string;
  definition: SpaceDefinition;
  /** the file it came from */
  file: string;
  /** what was changed on the way to the API (e.g. a genie-forge convenience), each with file:line */
  warnings: SpaceFileWarning[];
}

/** The spaces of a load, and every warning of it: those of the spaces and the links that were skipped. */
export interface LoadedSpaces extends Array<LoadedSpace> {
  warnings: SpaceFileWarning[];
}

/** Problems a file had beyond the MAX_REPORTED it lists. */
export interface OmittedProblems { file: string; count: number }

/**
 * One error for all problems of all files; `message` has one `file:line:col field.path: …` line
 * per problem (at most 50 per file, then a line with the count of the rest).
 */
export class SpaceFileError extends Error {
  readonly problems: SpaceFileProblem[];
  readonly omitted: OmittedProblems[];
  /** the spaces that loaded without a problem of their own */
  readonly spaces: LoadedSpace[];
  readonly warnings: SpaceFileWarning[];
  constructor(problems: SpaceFileProblem[], omitted: OmittedProblems[] = [], spaces: LoadedSpace[] = [], warnings: SpaceFileWarning[] = []) {
    super(problemLines(problems, omitted).join("\n"));
    this.name = "SpaceFileError";
    this.problems = problems;
    this.omitted = omitted;
    this.spaces = spaces;
    this.warnings = warnings;
  }

  /** The report's lines (as in `message`), each file's name written by `show` (e.g. relative to the project). */
  lines(show: (file: string) => string = (f) => f): string[] {
    return problemLines(this.problems, this.omitted, show);
  }
}

function problemLines(problems: readonly SpaceFileProblem[], omitted: readonly OmittedProblems[], show: (file: string) => string = (f) => f): string[] {
  const lines = problems.map((p) => formatFileMessage(p, show));
  for (const { file, count } of omitted) {
    // After the file's last listed problem, so the count reads as "and more of the same".
    const last = problems.map((p) => p.file).lastIndexOf(file);
    lines.splice(last + 1 + lines.length - problems.length, 0,
      `${show(file)}: ${count} more problem${count === 1 ? "" : "s"} not listed (a file lists its first ${MAX_REPORTED}): fix these and validate again`);
  }
  return lines;
}

const BUNDLE_EXPORT = /\.geniespace\.json$/i;
const JSON_FILE = /\.json$/i;
const SPACE_EXTENSION = /\.(ya?ml|json)$/i;

const META_KEYS = ["name", "title", "description", "warehouse_id", "parent_path", "serialized_space"];
const FORGE_META_KEYS = ["space_id", "author", "tags"];
const CONTENT_KEYS = ["config", "data_sources", "instructions", "benchmarks", "sample_questions"];

/**
 * Resolve `${name}` in every string value of the freshly parsed data, in place (keys are left
 * alone). A missing variable, or one whose value holds `${`, is reported at the exact position of
 * its reference in the file. `segs` is one shared stack (pushed and popped while walking): this
 * visits every value of every file, and a path is only copied when a problem needs it.
 */
function resolveVariables(value: unknown, segs: Segment[], ctx: FileContext, vars: Record<string, string>): unknown {
  if (typeof value === "string") {
    if (!hasVariableSyntax(value)) return value;
    const { value: resolved, missing, unexpanded } = substituteVariables(value, vars);
    for (const m of missing) {
      const reference = "${" + m.name + "}";
      const hint = suggestKey(m.name, Object.keys(vars));
      ctx.markUnresolved(segs);
      ctx.reportIn(segs.slice(), reference, hint
        ? `undefined variable "${m.name}": did you mean \${${hint}}? Otherwise define ${m.name} in the variables (or the environment file), or write $\${${m.name}} for a literal "${reference}"`
        : `undefined variable "${m.name}": define ${m.name} in the variables (or the environment file), or write ${"$$" + "{" + m.name + "}"} for a literal "${reference}"`);
    }
    for (const u of unexpanded) {
      ctx.markUnresolved(segs);
      ctx.reportIn(segs.slice(), "${" + u.name + "}", `variable "${u.name}" has the value ${JSON.stringify(vars[u.name])}, which contains "\${": values are not expanded again, so it would reach the API as written; give ${u.name} its final value`);
    }
    return resolved;
  }
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === "string" && !hasVariableSyntax(item)) continue;
      segs.push(i);
      value[i] = resolveVariables(item, segs, ctx, vars);
      segs.pop();
    }
  } else {
    const rec = value as Record<string, unknown>;
    for (const k in rec) {
      if (!Object.prototype.hasOwnProperty.call(rec, k)) continue;
      const item = rec[k];
      if (typeof item === "string" ? !hasVariableSyntax(item) : item === null || typeof item !== "object") continue;
      segs.push(k);
      rec[k] = resolveVariables(item, segs, ctx, vars);
      segs.pop();
    }
  }
  return value;
}

function baseName(file: string): string {
  return nodePath.basename(file).replace(BUNDLE_EXPORT, "").replace(SPACE_EXTENSION, "");
}

function optionalString(ctx: FileContext, entry: Record<string, unknown>, key: string, segs: Segment[]): string | undefined {
  const v = entry[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") return v;
  ctx.report([...segs, key], `expected a string; got ${typeof v === "object" ? "a " + (Array.isArray(v) ? "list" : "mapping") : `the ${typeof v} ${String(v)}`}: quote the value`);
  return undefined;
}

/** Names and ids the API receives as they are: a `${` in them is an unresolved (or escaped) reference, never meant. */
function checkNoReference(ctx: FileContext, value: string | undefined, segs: Segment[], key: string, present: boolean): void {
  if (value === undefined || !value.includes("${")) return;
  ctx.report(present ? [...segs, key] : segs, `${key} ${describe(value)} contains "\${": a name or id cannot hold a variable reference; define the variable, or write the value itself`);
}

function loadEntry(
  ctx: FileContext, file: string, entry: unknown, segs: Segment[], single: boolean, forgeFile: boolean,
  vars: Record<string, string>,
): LoadedSpace | undefined {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
    ctx.report(segs, "expected a space (a mapping with name, title, warehouse_id and its content)");
    return undefined;
  }
  const rec = entry as Record<string, unknown>;
  const rawBody = BUNDLE_EXPORT.test(file)
    || (single && !["name", "title", "space_id", "warehouse_id", "serialized_space"].some((k) => k in rec) && "version" in rec);
  const dialect: Dialect = forgeFile || "space_id" in rec ? "genie-forge" : "native";
  const metaKeys = rawBody ? [] : dialect === "genie-forge" ? [...META_KEYS, ...FORGE_META_KEYS] : META_KEYS;

  let name: string | undefined;
  let title: string | undefined;
  let description: string | undefined;
  let warehouseId: string | undefined;
  let parentPath: string | undefined;
  if (rawBody) {
    // Databricks bundle export (`*.geniespace.json`): the file is the serialized_space body itself.
    name = baseName(file);
    warehouseId = vars.warehouse_id ?? "";
    checkNoReference(ctx, warehouseId, segs, "warehouse_id", false);
  } else {
    name = optionalString(ctx, rec, "name", segs) ?? optionalString(ctx, rec, "space_id", segs);
    if (name === undefined) {
      if (single) name = baseName(file);
      else ctx.report(segs, "name is required for each space in a spaces: list: add name: <logical name>");
    }
    checkNoReference(ctx, name, segs, "name" in rec ? "name" : "space_id", true);
    title = optionalString(ctx, rec, "title", segs);
    description = optionalString(ctx, rec, "description", segs);
    parentPath = optionalString(ctx, rec, "parent_path", segs);
    checkNoReference(ctx, parentPath, segs, "parent_path", true);
    warehouseId = optionalString(ctx, rec, "warehouse_id", segs) ?? vars.warehouse_id;
    if (warehouseId === undefined && !("warehouse_id" in rec && typeof rec.warehouse_id !== "string")) {
      ctx.report(segs, "warehouse_id is required: add warehouse_id: <SQL warehouse id>, or define the variable warehouse_id");
    }
    checkNoReference(ctx, warehouseId, segs, "warehouse_id", typeof rec.warehouse_id === "string" && rec.warehouse_id !== "");
  }

  let content: unknown = rec;
  let contentSegs = segs;
  let ignore = metaKeys;
  if (!rawBody && rec.serialized_space !== undefined) {
    const mixed = CONTENT_KEYS.filter((k) => k in rec);
    for (const k of mixed) ctx.report([...segs, k], `${k} cannot be combined with serialized_space: put the whole content in one of them`);
    content = rec.serialized_space;
    contentSegs = [...segs, "serialized_space"];
    ignore = [];
  }
  // The file lists MAX_REPORTED problems at most: the reader writes no more than the file can still list.
  const room = Math.max(0, MAX_REPORTED - ctx.problems.length);
  const result = readSpace(content, { mode: "strict", dialect, ignoreKeys: ignore, maxProblems: room });
  ctx.omittedProblems += result.omitted;
  for (const p of result.problems) {
    // A value whose variable could not be resolved has been reported already; what follows from it is not.
    if (ctx.isUnresolved(segsToPath([...contentSegs, ...pathSegments(p.path)]))) continue;
    ctx.reportPath(contentSegs, p.path, p.message);
  }
  const warningsBefore = ctx.warnings.length;
  for (const w of result.warnings) ctx.warn(contentSegs, w.path, w.message);
  if (result.problems.length || result.omitted || !result.definition || name === undefined || warehouseId === undefined) return undefined;
  const loaded: LoadedSpace = {
    name, title: title ?? name, warehouseId, definition: result.definition, file, warnings: ctx.warnings.slice(warningsBefore),
  };
  if (description !== undefined) loaded.description = description;
  if (parentPath !== undefined) loaded.parentPath = parentPath;
  return loaded;
}

/** A space read from one file, with what the cross-file name check needs to report on it. */
export interface FileSpace {
  space: LoadedSpace;
  /** path of the space's entry in its file ([] for a one-space file, ["spaces", i] in a list) */
  segs: Segment[];
  /** how many of the file's problems precede this space (keeps the report in file order) */
  problemIndex: number;
  /** the space itself had no problem (the file may still have others) */
  clean: boolean;
}

/** Everything one file yields: its spaces, problems and warnings (names are checked across files later). */
export interface FileOutcome { file: string; spaces: FileSpace[]; problems: SpaceFileProblem[]; omitted: number; warnings: SpaceFileWarning[] }

function outcome(ctx: FileContext, spaces: FileSpace[] = []): FileOutcome {
  const warnings = ctx.warnings.slice();
  if (ctx.omittedWarnings) {
    warnings.push({ file: ctx.file, path: "", message: `${ctx.omittedWarnings} more warnings not listed (a file lists its first ${MAX_REPORTED})` });
  }
  return { file: ctx.file, spaces, problems: ctx.problems, omitted: ctx.omittedProblems, warnings };
}

/** The first alias of a document (where an alias bomb starts), for the report's position. */
function firstAlias(doc: Document): number {
  let offset = 0;
  visit(doc, { Alias(_key, node) { offset = node.range?.[0] ?? 0; return visit.BREAK; } });
  return offset;
}

/** Parse and validate one file's text (no I/O). Internal; exported for the benchmark's per-phase figures. */
export function loadSpaceText(file: string, text: string, vars: Record<string, string>): FileOutcome {
  const json = JSON_FILE.test(file);
  let data: unknown;
  if (json) {
    try {
      data = JSON.parse(text); // positions are computed only if a problem is found
    } catch {
      data = undefined;
    }
  }
  if (data !== undefined) return validateData(new FileContext(file, text), file, text, data, vars);
  const doc = parseYaml(text);
  const ctx = new FileContext(file, text, doc);
  // Only the first syntax error: the parser's later ones are usually consequences of it.
  const [err] = doc.errors;
  if (err) {
    ctx.at(err.pos[0], "", `${err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}: fix the ${json ? "JSON" : "YAML"} syntax`);
    return outcome(ctx);
  }
  const duplicates = duplicateKeys(doc);
  if (duplicates.length) {
    for (const d of duplicates) {
      ctx.at(d.offset, "", `duplicate key "${d.key}" (also on line ${ctx.lineOf(d.first)}): a mapping has each key once; merge the two, or rename one`);
    }
    return outcome(ctx);
  }
  try {
    data = doc.toJS();
  } catch (e) {
    // The `yaml` package refuses documents whose aliases expand too much ("billion laughs").
    ctx.at(firstAlias(doc), "", `cannot read the YAML: ${(e as Error).message}; write the values out instead of repeating aliases (*name)`);
    return outcome(ctx);
  }
  return validateData(ctx, file, text, data, vars);
}

function validateData(ctx: FileContext, file: string, text: string, data: unknown, vars: Record<string, string>): FileOutcome {
  const spaces: FileSpace[] = [];
  if (hasVariableSyntax(text)) data = resolveVariables(data, [], ctx, vars);
  if (data === null || data === undefined) {
    ctx.at(0, "", "the file is empty: write a space (name, title, warehouse_id, data_sources, …)");
    return outcome(ctx);
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    ctx.at(0, "", "expected a space (a mapping) or a spaces: list at the top of the file");
    return outcome(ctx);
  }
  const top = data as Record<string, unknown>;
  const entries: Array<{ value: unknown; segs: Segment[] }> = [];
  let forgeFile = false;
  if (Array.isArray(top.spaces)) {
    // A file holding several spaces; genie-forge files also carry a file-level `version`.
    forgeFile = "version" in top || top.spaces.some((s) => s !== null && typeof s === "object" && "space_id" in s);
    for (const key of Object.keys(top)) {
      if (key === "spaces" || key === "version") continue;
      const hint = suggestKey(key, ["spaces", "version"]);
      ctx.report([key], hint ? `unknown field "${key}": did you mean "${hint}"?` : `unknown field "${key}": a file with spaces: holds only spaces (and version)`);
    }
    top.spaces.forEach((value, i) => entries.push({ value, segs: ["spaces", i] }));
  } else {
    entries.push({ value: top, segs: [] });
  }
  const single = entries.length === 1 && entries[0].segs.length === 0;
  for (const { value, segs } of entries) {
    const before = ctx.problems.length + ctx.omittedProblems;
    const loaded = loadEntry(ctx, file, value, segs, single, forgeFile, vars);
    const clean = ctx.problems.length + ctx.omittedProblems === before && !ctx.hasUnresolvedIn(segsToPath(segs));
    if (loaded) spaces.push({ space: loaded, segs, problemIndex: ctx.problems.length, clean });
  }
  return outcome(ctx, spaces);
}

/**
 * Merge per-file outcomes in file order: space names must be unique across all files. A clash
 * is reported in the later file, right after that space's own problems.
 */
/** A parent_path as Genie stores it (no `/Workspace` prefix, no trailing slash); "" when unset. */
function folderKey(parentPath: string | undefined): string {
  if (!parentPath) return "";
  const p = parentPath.trim().replace(/\/+$/, "").replace(/^\/Workspace(?=\/|$)/, "");
  return p === "" ? "/" : p;
}

async function mergeOutcomes(outcomes: readonly FileOutcome[]): Promise<{
  spaces: LoadedSpace[]; clean: LoadedSpace[]; problems: SpaceFileProblem[]; omitted: OmittedProblems[]; warnings: SpaceFileWarning[];
}> {
  const names = new Map<string, string>();
  // Genie keeps a title unique within its folder (docs/genie-api.md §1.2): two spaces declaring
  // the same title in the same folder cannot both exist (an unset folder is the caller's home).
  const titles = new Map<string, { name: string; file: string }>();
  const spaces: LoadedSpace[] = [];
  const clean: LoadedSpace[] = [];
  const problems: SpaceFileProblem[] = [];
  const omitted: OmittedProblems[] = [];
  const warnings: SpaceFileWarning[] = [];
  for (const out of outcomes) {
    let next = 0;
    let ctx: FileContext | undefined;
    let omittedHere = out.omitted;
    for (const { space, segs, problemIndex, clean: isClean } of out.spaces) {
      const other = names.get(space.name);
      const titleKey = `${folderKey(space.parentPath)}\u0000${space.title}`;
      const sameTitle = titles.get(titleKey);
      if (!other && !sameTitle) {
        names.set(space.name, out.file);
        titles.set(titleKey, { name: space.name, file: out.file });
        spaces.push(space);
        if (isClean) clean.push(space);
        continue;
      }
      while (next < problemIndex) problems.push(out.problems[next++]);
      if (!ctx) {
        const read = await readSpaceText(out.file, false);
        ctx = new FileContext(out.file, "text" in read ? read.text : "");
      }
      if (out.problems.length >= MAX_REPORTED) { omittedHere++; continue; }
      if (other) ctx.report([...segs, "name"], `space name "${space.name}" is already used in ${other}: names must be unique, rename one`);
      else if (sameTitle) {
        const where = space.parentPath ? `folder ${folderKey(space.parentPath)}` : "the same (home) folder";
        ctx.report(
          [...segs, "title"],
          `title "${space.title}" is already used by space "${sameTitle.name}" (${sameTitle.file}) in ${where}: Genie keeps titles unique per folder, so give one of them another title or parent_path`,
        );
      }
      problems.push(...ctx.problems.splice(0));
    }
    while (next < out.problems.length) problems.push(out.problems[next++]);
    if (omittedHere) omitted.push({ file: out.file, count: omittedHere });
    warnings.push(...out.warnings);
  }
  return { spaces, clean, problems, omitted, warnings };
}

/** Variables of a load: `${env}` and the genie-forge environment file, then the caller's (which win). */
async function loadVariables(path: string, opts: LoadOptions, problems: SpaceFileProblem[], warnings: SpaceFileWarning[]): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  if (opts.env !== undefined) {
    vars.env = opts.env;
    const { file, skipped } = await environmentFile(path, opts.env);
    if (skipped) warnings.push(skipped);
    if (file) {
      const read = await readSpaceText(file, true);
      if ("problem" in read) problems.push(read.problem);
      else {
        const doc = parseYaml(read.text);
        let data: Record<string, unknown> | null = null;
        try { data = doc.errors.length ? null : (doc.toJS() as Record<string, unknown> | null); } catch (e) {
          problems.push({ file, line: 1, col: 1, path: "", message: `cannot read the YAML: ${(e as Error).message}` });
        }
        if (data && typeof data === "object") {
          if (data.warehouse_id !== undefined) vars.warehouse_id = String(data.warehouse_id);
          const v = data.variables;
          if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) vars[k] = String(x);
        }
      }
    }
  }
  return Object.assign(vars, opts.variables ?? {});
}

/**
 * Load a space file or a folder of them (recursive, sorted; links are skipped with a warning, see
 * folder.ts). Resolves with the spaces, whose `warnings` also lists the skipped links; rejects
 * with one SpaceFileError listing every problem of every file.
 */
export async function loadSpaceFiles(path: string, opts: LoadOptions = {}): Promise<LoadedSpaces> {
  const { files, skipped } = await listSpaceFiles(path);
  const problems: SpaceFileProblem[] = [];
  const warnings: SpaceFileWarning[] = [...skipped];
  const vars = await loadVariables(path, opts, problems, warnings);
  const outcomes: FileOutcome[] = [];
  // One file at a time: the next file is read while this one is validated.
  let next = files.length ? readSpaceText(files[0], files[0] !== path) : undefined;
  for (let i = 0; i < files.length; i++) {
    const read = await next!;
    next = i + 1 < files.length ? readSpaceText(files[i + 1], true) : undefined;
    if ("problem" in read) outcomes.push({ file: files[i], spaces: [], problems: [read.problem], omitted: 0, warnings: [] });
    else outcomes.push(loadSpaceText(files[i], read.text, vars));
  }
  const merged = await mergeOutcomes(outcomes);
  problems.push(...merged.problems);
  warnings.push(...merged.warnings);
  if (problems.length) throw new SpaceFileError(problems, merged.omitted, merged.clean, warnings);
  return Object.assign(merged.spaces, { warnings });
}
