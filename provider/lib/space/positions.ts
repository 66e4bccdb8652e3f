/**
 * Where in a file a problem is: the YAML document of one file (parsed with the `yaml` package,
 * which keeps the source range of every node) and the problems and warnings found in it, each
 * with file:line:col.
 *
 * Bounded work on hostile input: a file reports at most MAX_REPORTED problems (and as many
 * warnings), the rest are only counted, and positions are looked up through per-mapping key
 * indexes and a binary search over line starts, so a file with 200,000 unknown keys costs no more
 * than reading it.
 */
import { isMap, isScalar, isSeq, parseDocument, visit } from "yaml";
import type { Document, Node as YamlNode, Pair, YAMLMap } from "yaml";
import { joinPath } from "./problems";

/** Problems (and, separately, warnings) listed per file; the rest are counted. */
export const MAX_REPORTED = 50;

export type Segment = string | number;

export interface SpaceFileProblem { file: string; line: number; col: number; path: string; message: string }
/** A warning: like a problem, without a position when it is about a whole file (e.g. a skipped link). */
export interface SpaceFileWarning { file: string; line?: number; col?: number; path: string; message: string }

/**
 * `file:line:col field.path: message`, the form editors and CI annotations understand. `show`
 * writes the file's name (e.g. relative to the project).
 */
export function formatFileMessage(p: SpaceFileWarning, show: (file: string) => string = (f) => f): string {
  const at = p.line !== undefined ? `:${p.line}:${p.col ?? 1}` : "";
  return `${show(p.file)}${at}${p.path ? ` ${p.path}` : ""}: ${p.message}`;
}

export function pathSegments(path: string): Segment[] {
  const segs: Segment[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) segs.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return segs;
}

export function segsToPath(segs: readonly Segment[]): string {
  return segs.reduce<string>((p, s) => joinPath(p, s), "");
}

/** Parse YAML (or JSON) text keeping node ranges. Duplicate keys are found by duplicateKeys, in linear time. */
export function parseYaml(text: string): Document {
  // The parser's own duplicate-key check compares each key with every earlier one (quadratic).
  return parseDocument(text, { uniqueKeys: false });
}

/** Offsets of keys that repeat an earlier key of the same mapping, with the earlier key's offset. */
export function duplicateKeys(doc: Document): Array<{ key: string; offset: number; first: number }> {
  const out: Array<{ key: string; offset: number; first: number }> = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Map<unknown, number>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const offset = pair.key.range?.[0] ?? 0;
        const first = seen.get(pair.key.value);
        if (first === undefined) seen.set(pair.key.value, offset);
        else out.push({ key: String(pair.key.value), offset, first });
      }
    },
  });
  return out;
}

/** Line starts of a text, for a binary search from offset to line:col. */
class LineIndex {
  private readonly starts: number[] = [0];
  constructor(text: string) {
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
  }
  position(offset: number): { line: number; col: number } {
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid; else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo] + 1 };
  }
}

/** Each mapping's pairs by key (first occurrence), built once per mapping on its first lookup. */
const keyIndexes = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairOf(map: YAMLMap, key: Segment): Pair | undefined {
  let index = keyIndexes.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (!isScalar(pair.key)) continue;
      const k = String(pair.key.value);
      if (!index.has(k)) index.set(k, pair);
    }
    keyIndexes.set(map, index);
  }
  return index.get(String(key));
}

/** The deepest node on `segs` and the offset to report (a map entry's key when the path ends at it). */
function locate(doc: Document, segs: readonly Segment[]): { offset: number; node?: YamlNode; complete: boolean } {
  let node: unknown = doc.contents;
  let offset = (doc.contents as YamlNode | null)?.range?.[0] ?? 0;
  for (const seg of segs) {
    if (isMap(node)) {
      const pair = pairOf(node, seg);
      if (!pair) return { offset, complete: false };
      offset = (pair.key as YamlNode).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number" && seg < node.items.length) {
      node = node.items[seg];
      offset = (node as YamlNode).range?.[0] ?? offset;
    } else {
      return { offset, complete: false };
    }
  }
  return { offset, node: (node ?? undefined) as YamlNode | undefined, complete: true };
}

/**
 * The problems and warnings of one file. The document is parsed on first need only: a JSON file
 * read by JSON.parse with no problem never builds one.
 */
export class FileContext {
  readonly problems: SpaceFileProblem[] = [];
  readonly warnings: SpaceFileWarning[] = [];
  /** problems and warnings found beyond MAX_REPORTED: counted, not listed */
  omittedProblems = 0;
  omittedWarnings = 0;
  /** paths of values whose `${…}` could not be resolved: the reader's problems there are consequences */
  private readonly unresolved = new Set<string>();
  /** the spaces (their entry paths: "" or `spaces[i]`) holding such a value */
  private readonly unresolvedEntries = new Set<string>();

  /** A value whose variable reference could not be resolved (already reported). */
  markUnresolved(segs: readonly Segment[]): void {
    this.unresolved.add(segsToPath(segs));
    this.unresolvedEntries.add(segs[0] === "spaces" && typeof segs[1] === "number" ? segsToPath(segs.slice(0, 2)) : "");
  }

  isUnresolved(path: string): boolean {
    return this.unresolved.has(path);
  }
  private lines?: LineIndex;

  constructor(readonly file: string, private readonly text: string, private doc?: Document) {}

  private document(): Document {
    return (this.doc ??= parseYaml(this.text));
  }

  private position(offset: number): { line: number; col: number } {
    return (this.lines ??= new LineIndex(this.text)).position(offset);
  }

  /** Whether a `${…}` in the space at `entry` ("" for a one-space file, `spaces[i]`) could not be resolved. */
  hasUnresolvedIn(entry: string): boolean {
    return entry === "" ? this.unresolved.size > 0 : this.unresolvedEntries.has(entry);
  }

  lineOf(offset: number): number {
    return this.position(offset).line;
  }

  /** True once this file has listed as many problems as it may; later ones are only counted. */
  full(): boolean {
    return this.problems.length >= MAX_REPORTED;
  }

  at(offset: number, path: string, message: string): void {
    if (this.full()) { this.omittedProblems++; return; }
    this.problems.push({ file: this.file, ...this.position(offset), path, message });
  }

  report(segs: readonly Segment[], message: string): void {
    if (this.full()) { this.omittedProblems++; return; }
    this.at(locate(this.document(), segs).offset, segsToPath(segs), message);
  }

  /** A problem at a reader path (`data_sources.tables[0].identifier`) under `prefix`. */
  reportPath(prefix: readonly Segment[], path: string, message: string): void {
    if (this.full()) { this.omittedProblems++; return; }
    this.report([...prefix, ...pathSegments(path)], message);
  }

  warn(prefix: readonly Segment[], path: string, message: string): void {
    if (this.warnings.length >= MAX_REPORTED) { this.omittedWarnings++; return; }
    const segs = [...prefix, ...pathSegments(path)];
    const { line, col } = this.position(locate(this.document(), segs).offset);
    this.warnings.push({ file: this.file, line, col, path: segsToPath(segs), message });
  }

  /** Report at the position of `needle` inside the value at `segs` (e.g. a `${name}` reference). */
  reportIn(segs: readonly Segment[], needle: string, message: string): void {
    if (this.full()) { this.omittedProblems++; return; }
    const found = locate(this.document(), segs);
    const [start, end] = (found.complete ? found.node?.range : undefined) ?? [found.offset, found.offset];
    const inSource = this.text.slice(start, end).indexOf(needle);
    this.at(inSource >= 0 ? start + inSource : start, segsToPath(segs), message);
  }
}
