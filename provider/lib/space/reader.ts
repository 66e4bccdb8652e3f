/**
 * The reader's primitives: one Reader per space read collects every problem (with the input path
 * it came from) and every warning, and reads the leaves of the language (text, strings, ids,
 * identifiers, …). The sections of a space are read by read-*.ts; normalize.ts puts them together.
 */
import { deriveId, isValidId } from "./ids";
import { describe, joinPath, type SpaceProblem } from "./problems";
import { unknownKeyMessage } from "./schema";
import type { LazyMessage } from "./shape";
import { splitLines } from "./text";

/**
 * strict: every rule of docs/genie-api.md §2 is enforced and unknown keys are rejected (authoring).
 * lenient: what the server returned is accepted as is; unknown keys are preserved (lossless);
 *          only input that cannot be read at all is reported.
 */
export type ReadMode = "strict" | "lenient";
/** genie-forge files get its conveniences: logical ids, entity matching implying format assistance, … */
export type Dialect = "native" | "genie-forge";

export interface NormalizeOptions {
  mode?: ReadMode;
  dialect?: Dialect;
  /** top-level keys the caller handles itself (file metadata such as title) */
  ignoreKeys?: readonly string[];
  /** list at most this many problems and count the rest (bounded work on hostile input); default: all */
  maxProblems?: number;
}

export type Rec = Record<string, unknown>;
interface Issue extends SpaceProblem { kind: "shape" | "rule" }

/** docs/genie-api.md §2.4: "Sorting = plain byte-wise string order" (not locale order). */
export function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = key(a), y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

/** Unknown keys kept by a lenient read, appended after the known ones in sorted order. */
export function withExtras<T extends object>(out: T, extras: Rec): T {
  for (const key of Object.keys(extras).sort()) (out as Rec)[key] = extras[key];
  return out;
}

/** Split `cat.schema.name` respecting backticks; empty parts are kept so they can be reported. */
export function identifierParts(identifier: string): string[] {
  const parts: string[] = [];
  let current = "";
  let quoted = false;
  for (const ch of identifier) {
    if (ch === "`") quoted = !quoted;
    else if (ch === "." && !quoted) { parts.push(current); current = ""; continue; }
    current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim().replace(/^`(.*)`$/, "$1"));
}

/** Unity Catalog names are case-insensitive: the key two spellings of one table share. */
export function identifierKey(identifier: string): string {
  return identifierParts(identifier).join(".").toLowerCase();
}

export class Reader {
  readonly issues: Issue[] = [];
  readonly warnings: SpaceProblem[] = [];
  /** problems found beyond maxProblems: counted, not written */
  omitted = 0;
  /** whether one of the omitted problems makes the input unreadable (a shape problem) */
  omittedShape = false;
  private readonly ids = new Map<string, { path: string; derived: boolean }>();
  constructor(private readonly opts: Required<NormalizeOptions>) {}

  get strict(): boolean { return this.opts.mode === "strict"; }
  get forge(): boolean { return this.opts.dialect === "genie-forge"; }

  private add(path: string, message: LazyMessage, kind: Issue["kind"]): void {
    if (this.issues.length >= this.opts.maxProblems) {
      this.omitted++;
      if (kind === "shape") this.omittedShape = true;
      return;
    }
    this.issues.push({ path, message: typeof message === "string" ? message : message(), kind });
  }

  shape(path: string, message: LazyMessage): void { this.add(path, message, "shape"); }
  rule(path: string, message: string): void { if (this.strict) this.add(path, message, "rule"); }
  /** Something the reader changed or dropped on the way to the API: the user must hear of it. */
  warn(path: string, message: string): void { if (this.strict) this.warnings.push({ path, message }); }

  /**
   * Shape problems found by zod (shape.ts), keyed by path; set in strict mode. The reader reports
   * them where it meets the field, so the report keeps the order of the input's sections.
   */
  zod?: Map<string, LazyMessage[]>;
  private readonly zodReported = new Set<string>();

  /**
   * A wrong type or an unknown key at `path`. In strict mode zod has validated the shape, and its
   * problems at this path are reported (once); `message` is the reader's own wording, used for the
   * parts zod does not cover (join specs, default_value) and in lenient mode.
   */
  typed(path: string, message: LazyMessage): void {
    const fromZod = this.zod?.get(path);
    if (!fromZod) { this.shape(path, message); return; }
    if (this.zodReported.has(path)) return;
    this.zodReported.add(path);
    for (const m of fromZod) this.shape(path, m);
  }

  /** Zod problems the reader never met (e.g. inside an item it skipped for a missing required field). */
  reportRemainingZodProblems(): void {
    for (const [path, messages] of this.zod ?? []) {
      if (this.zodReported.has(path)) continue;
      this.zodReported.add(path);
      for (const m of messages) this.shape(path, m);
    }
  }

  /** A mapping with known keys; unknown keys are reported (strict) or returned for preservation (lenient). */
  object(v: unknown, path: string, known: readonly string[], allowedExtra: readonly string[] = []): { rec?: Rec; extras: Rec } {
    const extras: Rec = {};
    if (v === undefined || v === null) return { extras };
    if (typeof v !== "object" || Array.isArray(v)) {
      this.typed(path, `expected a mapping with fields like ${known.slice(0, 3).join(", ")}; got ${describe(v)}`);
      return { extras };
    }
    const rec = v as Rec;
    for (const key of Object.keys(rec)) {
      if (known.includes(key) || allowedExtra.includes(key)) continue;
      if (this.strict) this.typed(joinPath(path, key), () => unknownKeyMessage(key, known, allowedExtra));
      else extras[key] = rec[key];
    }
    return { rec, extras };
  }

  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) {
      this.typed(path, `expected a list; got ${describe(v)}: write it as a YAML list ("- item") or a JSON array`);
      return [];
    }
    return v;
  }

  /** Text: a string or a list of strings (concatenated exactly as the API does, §2). */
  text(v: unknown, path: string, required?: string): string | undefined {
    if (v === undefined || v === null) {
      if (required) this.shape(path, `is required: ${required}`);
      return undefined;
    }
    let s: string | undefined;
    if (typeof v === "string") s = v;
    else if (Array.isArray(v)) {
      const parts: string[] = [];
      v.forEach((p, i) => {
        if (typeof p === "string") parts.push(p);
        else this.typed(joinPath(path, i), `expected a string; got ${describe(p)}: quote the value`);
      });
      s = parts.join("");
    } else {
      this.typed(path, `expected text (a string or a list of strings); got ${describe(v)}: quote the value`);
      return undefined;
    }
    if (s.trim() === "") {
      if (required) this.shape(path, `must not be empty: ${required}`);
      return undefined;
    }
    return s;
  }

  lines(v: unknown, path: string, required?: string): string[] | undefined {
    const s = this.text(v, path, required);
    return s === undefined ? undefined : splitLines(s);
  }

  /** A list of separate strings (synonyms): a single string is a one-item list; order is kept (§2.4). */
  strings(v: unknown, path: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    const items = typeof v === "string" ? [v] : this.list(v, path);
    const out: string[] = [];
    items.forEach((item, i) => {
      if (typeof item === "string") { if (item !== "") out.push(item); }
      else if (typeof item === "number" || typeof item === "boolean") out.push(String(item));
      else this.typed(joinPath(path, i), `expected a string; got ${describe(item)}`);
    });
    return out.length ? out : undefined;
  }

  str(v: unknown, path: string, required?: string): string | undefined {
    if (v === undefined || v === null || v === "") {
      if (required) this.shape(path, `is required: ${required}`);
      return undefined;
    }
    if (typeof v !== "string") {
      this.typed(path, `expected a string; got ${describe(v)}: quote the value`);
      return undefined;
    }
    return v;
  }

  bool(v: unknown, path: string): boolean | undefined {
    if (v === undefined || v === null) return undefined;
    if (typeof v !== "boolean") {
      this.typed(path, `expected true or false; got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  /** A 3-part Unity Catalog name (catalog.schema.`what`). */
  identifier(v: unknown, path: string, what: string): string | undefined {
    const id = this.str(v, path, `set it to the 3-part name catalog.schema.${what}`);
    if (id === undefined) return undefined;
    if (id.includes("${")) {
      // An unresolved (or escaped) reference must never reach the API as a name.
      this.rule(path, `"${id}" contains "\${": a name cannot hold a variable reference; define the variable, or write the name itself`);
      return id;
    }
    const parts = identifierParts(id);
    if (parts.length !== 3 || parts.some((p) => p === "")) {
      this.rule(path, `"${id}" is not a 3-part name with no empty part: write it as catalog.schema.${what}`);
    }
    return id;
  }

  /**
   * The item's id: explicit ids are kept; a missing id is derived from stable content (ids.ts).
   * Every id is registered so uniqueness across the whole space is checked (§2.3).
   */
  id(item: Rec, path: string, kind: string, content: string, what: string): string {
    const raw = item.id;
    const idPath = joinPath(path, "id");
    let id: string;
    let derived = false;
    if (raw === undefined || raw === null || raw === "") {
      id = deriveId(kind, content);
      derived = true;
    } else if (typeof raw !== "string") {
      this.typed(idPath, `expected a string id; got ${describe(raw)}: quote it, or remove it to derive one`);
      id = deriveId(kind, content);
    } else if (isValidId(raw) || !this.strict) {
      id = raw;
    } else if (this.forge) {
      // genie-forge accepts logical ids ("sq_revenue"); map them to a stable hex id.
      id = deriveId("logical-id", raw);
    } else {
      this.rule(idPath, `"${raw}" is not a valid id: ids are 32 lowercase hex characters (like uuid4().hex); remove it to derive one from the content`);
      id = raw;
    }
    const seen = this.ids.get(id);
    if (seen) {
      this.rule(derived ? path : idPath, derived && seen.derived
        ? `duplicate ${what}: it is the same as ${seen.path}; remove one, or give one an explicit id`
        : `id "${id}" is already used by ${seen.path}; ids must be unique across the whole space: change or remove one`);
    } else {
      this.ids.set(id, { path, derived });
    }
    return id;
  }
}
