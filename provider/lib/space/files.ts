/**
 * Space files: load a file or a folder of `*.yaml`, `*.yml`, `*.json` into named, validated,
 * canonical definitions. Every problem of every file is collected and reported together, each
 * with file:line:col (positions come from the `yaml` package's LineCounter).
 */
import { promises as fs, readFileSync } from "node:fs";
import * as nodePath from "node:path";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { Document, Node as YamlNode } from "yaml";
import type { SpaceDefinition } from "./model";
import { fastParseYaml } from "./fast-yaml";
import { loadOutcomesInWorkers, WORKER_THRESHOLD, workerScript } from "./file-pool";
import { Dialect, readSpace } from "./normalize";
import { joinPath, suggestKey } from "./problems";
import { hasVariableSyntax, substituteVariables } from "./variables";

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
}

export interface SpaceFileProblem { file: string; line: number; col: number; path: string; message: string }

/** One error for all problems of all files; `message` has one `file:line:col field.path: …` line per problem. */
export class SpaceFileError extends Error {
  readonly problems: SpaceFileProblem[];
  constructor(problems: SpaceFileProblem[]) {
    super(problems.map(formatProblem).join("\n"));
    this.name = "SpaceFileError";
    this.problems = problems;
  }
}

function formatProblem(p: SpaceFileProblem): string {
  return `${p.file}:${p.line}:${p.col}${p.path ? ` ${p.path}` : ""}: ${p.message}`;
}

const SPACE_FILE = /\.(ya?ml|json)$/i;
const BUNDLE_EXPORT = /\.geniespace\.json$/i;
const JSON_FILE = /\.json$/i;
/** Folders never scanned: genie-forge keeps variable files (not spaces) in `environments/`. */
const SKIPPED_DIRS = new Set(["environments", "node_modules"]);

const META_KEYS = ["name", "title", "description", "warehouse_id", "parent_path", "serialized_space"];
const FORGE_META_KEYS = ["space_id", "author", "tags"];
const CONTENT_KEYS = ["config", "data_sources", "instructions", "benchmarks", "sample_questions"];

export type Segment = string | number;

async function listSpaceFiles(root: string): Promise<string[]> {
  const stat = await fs.stat(root);
  if (stat.isFile()) return [root];
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const full = nodePath.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith(".") && !SKIPPED_DIRS.has(e.name)) await walk(full);
      } else if (e.isFile() && SPACE_FILE.test(e.name)) {
        out.push(full);
      }
    }
  };
  await walk(root);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** genie-forge layout: conf/spaces/*.yaml next to conf/environments/<env>.yaml holding `variables:`. */
async function environmentVariables(root: string, env: string): Promise<Record<string, string>> {
  const stat = await fs.stat(root);
  const base = stat.isFile() ? nodePath.dirname(root) : root;
  const candidates = [base, nodePath.dirname(base), nodePath.dirname(nodePath.dirname(base))]
    .flatMap((d) => [nodePath.join(d, "environments", `${env}.yaml`), nodePath.join(d, "environments", `${env}.yml`)]);
  for (const file of candidates) {
    let text: string;
    try { text = await fs.readFile(file, "utf8"); } catch { continue; }
    const data = parseDocument(text).toJS() as Record<string, unknown> | null;
    const out: Record<string, string> = {};
    if (data && typeof data === "object") {
      if (data.warehouse_id !== undefined) out.warehouse_id = String(data.warehouse_id);
      const vars = data.variables;
      if (vars && typeof vars === "object") for (const [k, v] of Object.entries(vars)) out[k] = String(v);
    }
    return out;
  }
  return {};
}

function pathSegments(path: string): Segment[] {
  const segs: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segs.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return segs;
}

/** Offset of the deepest node on `segs` (a map entry's key when the path ends at it). */
function offsetOf(doc: Document, segs: Segment[]): number {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (const seg of segs) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg];
      offset = (node as YamlNode).range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}

interface ParsedFile {
  file: string;
  data?: unknown;
  doc?: Document;
  lineCounter?: LineCounter;
}

class FileContext {
  readonly problems: SpaceFileProblem[] = [];
  /** `fast`: the data came from the fast parser, so any problem means re-reading with the reference one. */
  constructor(private readonly parsed: ParsedFile, private readonly text: string, private readonly fast = false) {}

  /** Positions are only computed when a problem is reported (the fast path never builds them). */
  private ensureDoc(): { doc: Document; lc: LineCounter } {
    if (!this.parsed.doc || !this.parsed.lineCounter) {
      this.parsed.lineCounter = new LineCounter();
      this.parsed.doc = parseDocument(this.text, { lineCounter: this.parsed.lineCounter });
    }
    return { doc: this.parsed.doc, lc: this.parsed.lineCounter };
  }

  at(offset: number, path: string, message: string): void {
    if (this.fast) throw new NeedsReferenceParse();
    const { lc } = this.ensureDoc();
    const { line, col } = lc.linePos(offset);
    this.problems.push({ file: this.parsed.file, line, col, path, message });
  }

  report(segs: Segment[], message: string): void {
    if (this.fast) throw new NeedsReferenceParse();
    const { doc } = this.ensureDoc();
    this.at(offsetOf(doc, segs), segsToPath(segs), message);
  }

  /** Report at the position of `needle` inside the value at `segs` (e.g. a `${name}` reference). */
  reportIn(segs: Segment[], needle: string, message: string): void {
    if (this.fast) throw new NeedsReferenceParse();
    const { doc } = this.ensureDoc();
    const node = valueNodeAt(doc, segs);
    const [start, end] = node?.range ?? [offsetOf(doc, segs), offsetOf(doc, segs)];
    const inSource = this.text.slice(start, end).indexOf(needle);
    this.at(inSource >= 0 ? start + inSource : start, segsToPath(segs), message);
  }
}

function valueNodeAt(doc: Document, segs: Segment[]): YamlNode | undefined {
  let node: unknown = doc.contents;
  for (const seg of segs) {
    if (isMap(node)) node = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg))?.value;
    else if (isSeq(node) && typeof seg === "number") node = node.items[seg];
    else return undefined;
  }
  return (node ?? undefined) as YamlNode | undefined;
}

function segsToPath(segs: Segment[]): string {
  return segs.reduce<string>((p, s) => joinPath(p, s), "");
}

/**
 * Resolve `${name}` in every string value of the freshly parsed data, in place (keys are left
 * alone). A missing variable is reported at the exact position of its reference in the file.
 * `segs` is one shared stack (pushed and popped while walking): this visits every value of every
 * file, and a path is only copied when a problem needs it.
 */
function resolveVariables(value: unknown, segs: Segment[], ctx: FileContext, vars: Record<string, string>): unknown {
  if (typeof value === "string") {
    if (!hasVariableSyntax(value)) return value;
    const { value: resolved, missing } = substituteVariables(value, vars);
    for (const m of missing) {
      const reference = "${" + m.name + "}";
      ctx.reportIn(segs.slice(), reference, `undefined variable "${m.name}": define ${m.name} in the variables (or the environment file), or write ${"$$" + "{" + m.name + "}"} for a literal "${reference}"`);
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
  return nodePath.basename(file).replace(BUNDLE_EXPORT, "").replace(SPACE_FILE, "");
}

function optionalString(ctx: FileContext, entry: Record<string, unknown>, key: string, segs: Segment[]): string | undefined {
  const v = entry[key];
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v === "string") return v;
  ctx.report([...segs, key], `expected a string; got ${typeof v === "object" ? "a " + (Array.isArray(v) ? "list" : "mapping") : `the ${typeof v} ${String(v)}`}: quote the value`);
  return undefined;
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
  } else {
    name = optionalString(ctx, rec, "name", segs) ?? optionalString(ctx, rec, "space_id", segs);
    if (name === undefined) {
      if (single) name = baseName(file);
      else ctx.report(segs, "name is required for each space in a spaces: list: add name: <logical name>");
    }
    title = optionalString(ctx, rec, "title", segs);
    description = optionalString(ctx, rec, "description", segs);
    parentPath = optionalString(ctx, rec, "parent_path", segs);
    warehouseId = optionalString(ctx, rec, "warehouse_id", segs) ?? vars.warehouse_id;
    if (warehouseId === undefined && !("warehouse_id" in rec && typeof rec.warehouse_id !== "string")) {
      ctx.report(segs, "warehouse_id is required: add warehouse_id: <SQL warehouse id>, or define the variable warehouse_id");
    }
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
  const result = readSpace(content, { mode: "strict", dialect, ignoreKeys: ignore });
  for (const p of result.problems) {
    const full = [...contentSegs, ...pathSegments(p.path)];
    ctx.report(full, p.message);
  }
  if (result.problems.length || !result.definition || name === undefined || warehouseId === undefined) return undefined;
  const loaded: LoadedSpace = { name, title: title ?? name, warehouseId, definition: result.definition, file };
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
}

/** Everything one file yields: its spaces and its problems (names are checked across files later). */
export interface FileOutcome { spaces: FileSpace[]; problems: SpaceFileProblem[] }

/** Thrown by a fast-path FileContext at the first problem: the file is re-read with the reference parser. */
class NeedsReferenceParse extends Error {}

/**
 * Validate one file's text. Pure (no I/O), so the worker pool runs the very same function.
 * YAML goes through js-yaml first (fast-yaml.ts); at the first problem the whole file is re-read
 * with the `yaml` package, so every reported problem, message and position comes from the same
 * code as before the fast path existed.
 */
export function loadSpaceText(file: string, text: string, vars: Record<string, string>): FileOutcome {
  if (!JSON_FILE.test(file)) {
    const fast = fastParseYaml(text);
    if (fast) {
      try {
        return validateData(new FileContext({ file }, text, true), file, text, fast.data, vars);
      } catch (e) {
        if (!(e instanceof NeedsReferenceParse)) throw e;
      }
    }
  }
  const parsed: ParsedFile = { file };
  const ctx = new FileContext(parsed, text);
  const json = JSON_FILE.test(file);
  let data: unknown;
  if (json) {
    try {
      data = JSON.parse(text); // fast path; positions are computed only if a problem is found
    } catch {
      data = undefined;
    }
  }
  if (data === undefined) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter });
    // Only the first syntax error: the parser's later ones are usually consequences of it.
    const [err] = doc.errors;
    if (err) {
      ctx.at(err.pos[0], "", `${err.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "")}: fix the ${json ? "JSON" : "YAML"} syntax`);
      return { spaces: [], problems: ctx.problems };
    }
    data = doc.toJS();
    // toJS() returns fresh objects, so the document stays valid for positions.
    parsed.doc = doc;
    parsed.lineCounter = lineCounter;
  }
  return validateData(ctx, file, text, data, vars);
}

function validateData(ctx: FileContext, file: string, text: string, data: unknown, vars: Record<string, string>): FileOutcome {
  const spaces: FileSpace[] = [];
  if (hasVariableSyntax(text)) data = resolveVariables(data, [], ctx, vars);
  if (data === null || data === undefined) {
    ctx.at(0, "", "the file is empty: write a space (name, title, warehouse_id, data_sources, …)");
    return { spaces, problems: ctx.problems };
  }
  if (typeof data !== "object" || Array.isArray(data)) {
    ctx.at(0, "", "expected a space (a mapping) or a spaces: list at the top of the file");
    return { spaces, problems: ctx.problems };
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
    const loaded = loadEntry(ctx, file, value, segs, single, forgeFile, vars);
    if (loaded) spaces.push({ space: loaded, segs, problemIndex: ctx.problems.length });
  }
  return { spaces, problems: ctx.problems };
}

/**
 * Merge per-file outcomes in file order: space names must be unique across all files. A clash
 * is reported in the later file, right after that space's own problems (as a sequential load would).
 */
function mergeOutcomes(
  files: readonly string[], outcomes: readonly FileOutcome[], textOf: (file: string) => string,
): { spaces: LoadedSpace[]; problems: SpaceFileProblem[] } {
  const names = new Map<string, string>();
  const spaces: LoadedSpace[] = [];
  const problems: SpaceFileProblem[] = [];
  outcomes.forEach((outcome, i) => {
    const file = files[i];
    let next = 0;
    let ctx: FileContext | undefined;
    for (const { space, segs, problemIndex } of outcome.spaces) {
      const other = names.get(space.name);
      if (!other) {
        names.set(space.name, file);
        spaces.push(space);
        continue;
      }
      while (next < problemIndex) problems.push(outcome.problems[next++]);
      ctx ??= new FileContext({ file }, textOf(file));
      ctx.report([...segs, "name"], `space name "${space.name}" is already used in ${other}: names must be unique, rename one`);
      problems.push(...ctx.problems.splice(0));
    }
    while (next < outcome.problems.length) problems.push(outcome.problems[next++]);
  });
  return { spaces, problems };
}

/**
 * Load a space file or a folder of them (recursive, sorted). Rejects with one SpaceFileError
 * listing every problem of every file.
 */
export async function loadSpaceFiles(path: string, opts: LoadOptions = {}): Promise<LoadedSpace[]> {
  const files = await listSpaceFiles(path);
  const vars: Record<string, string> = {
    ...(opts.env !== undefined ? { env: opts.env, ...(await environmentVariables(path, opts.env)) } : {}),
    ...(opts.variables ?? {}),
  };
  const script = files.length > WORKER_THRESHOLD ? workerScript() : undefined;
  const outcomes = script ? await loadOutcomesInWorkers(script, files, vars, (file) => loadSpaceText(file, readFileSync(file, "utf8"), vars)) : await loadOutcomes(files, vars);
  const { spaces, problems } = mergeOutcomes(files, outcomes, (file) => readFileSync(file, "utf8"));
  if (problems.length) throw new SpaceFileError(problems);
  return spaces;
}

/** How many files are read at once: enough to keep the disk busy, few enough to bound memory. */
const READ_CONCURRENCY = 16;

/** Read and validate files in process, reading ahead with bounded concurrency; results in file order. */
async function loadOutcomes(files: readonly string[], vars: Record<string, string>): Promise<FileOutcome[]> {
  const texts: Array<Promise<string> | undefined> = new Array(files.length);
  let started = 0;
  const startReads = (upTo: number) => {
    for (; started < files.length && started < upTo; started++) texts[started] = fs.readFile(files[started], "utf8");
  };
  const outcomes: FileOutcome[] = [];
  for (let i = 0; i < files.length; i++) {
    startReads(i + READ_CONCURRENCY);
    const text = await texts[i]!;
    texts[i] = undefined; // let the text go once validated
    outcomes.push(loadSpaceText(files[i], text, vars));
  }
  return outcomes;
}
