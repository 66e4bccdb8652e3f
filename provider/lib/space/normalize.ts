/**
 * The reader: turns any accepted input (friendly SpaceInput, raw v1/v2 body, serialized_space
 * JSON string, genie-forge space) into the canonical SpaceDefinition, reporting every problem
 * with the input path it came from. Everything the API needs sorted is sorted here, missing ids
 * are derived here, and the key order of the produced objects IS the canonical key order.
 */
import { deriveId, isValidId } from "./ids";
import type {
  BenchmarkQuestion, ColumnConfig, ExampleQuestionSql, JoinSide, JoinSpec, MetricViewSource,
  SampleQuestion, SpaceDefinition, SpaceInstructions, SqlExpression, SqlFilter, SqlFunction,
  SqlParameter, SqlSnippets, TableSource, TextInstruction,
} from "./model";
import { RELATIONSHIP_TYPES } from "./model";
import { describe, joinPath, SpaceProblem, suggestKey } from "./problems";
import { shapeProblems } from "./shape";
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
}

/** docs/genie-api.md §2.5 product limits. */
export const LIMITS = { dataSources: 30, instructions: 100, snippets: 200 } as const;

const RT_MARKER = /^\s*--rt=(.*?)--\s*$/;
const RT_PREFIX = "FROM_RELATIONSHIP_TYPE_";

type Rec = Record<string, unknown>;
interface Issue extends SpaceProblem { kind: "shape" | "rule" }


function byKey<T>(key: (t: T) => string): (a: T, b: T) => number {
  // docs/genie-api.md §2.4: "Sorting = plain byte-wise string order" (not locale order).
  return (a, b) => {
    const x = key(a), y = key(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
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

function snakeCase(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

class Reader {
  readonly issues: Issue[] = [];
  private readonly ids = new Map<string, { path: string; derived: boolean }>();
  constructor(private readonly opts: Required<NormalizeOptions>) {}

  get strict(): boolean { return this.opts.mode === "strict"; }
  get forge(): boolean { return this.opts.dialect === "genie-forge"; }

  shape(path: string, message: string): void { this.issues.push({ path, message, kind: "shape" }); }

  /**
   * Shape problems found by zod (shape.ts), keyed by path; set in strict mode. The reader reports
   * them where it meets the field, so the report keeps the order of the input's sections.
   */
  zod?: Map<string, string[]>;
  private readonly zodReported = new Set<string>();

  /**
   * A wrong type or an unknown key at `path`. In strict mode zod has validated the shape, and its
   * problems at this path are reported (once); `message` is the reader's own wording, used for the
   * parts zod does not cover (join specs, default_value) and in lenient mode.
   */
  typed(path: string, message: string): void {
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
  rule(path: string, message: string): void { if (this.strict) this.issues.push({ path, message, kind: "rule" }); }

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
      if (this.strict) {
        const hint = suggestKey(key, [...known, ...allowedExtra]);
        this.typed(joinPath(path, key), hint
          ? `unknown field "${key}": did you mean "${hint}"?`
          : `unknown field "${key}": allowed fields here are ${known.join(", ")}`);
      } else {
        extras[key] = rec[key];
      }
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

  identifier(v: unknown, path: string, what: string): string | undefined {
    const id = this.str(v, path, `set it to the 3-part name catalog.schema.${what}`);
    if (id === undefined) return undefined;
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

const KEYS = {
  top: ["version", "config", "data_sources", "instructions", "benchmarks", "sample_questions"],
  config: ["sample_questions"],
  sampleQuestion: ["id", "question"],
  dataSources: ["tables", "metric_views"],
  table: ["identifier", "description", "column_configs"],
  column: ["column_name", "description", "synonyms", "exclude", "enable_format_assistance", "enable_entity_matching",
    "get_example_values", "build_value_dictionary"],
  instructions: ["text_instructions", "example_question_sqls", "sql_functions", "join_specs", "sql_snippets"],
  text: ["id", "content", "text"],
  example: ["id", "question", "sql", "parameters", "usage_guidance"],
  parameter: ["name", "type_hint", "description", "default_value"],
  sqlFunction: ["id", "identifier"],
  join: ["id", "left", "right", "sql", "relationship", "comment", "instruction"],
  legacyJoin: ["id", "left_table", "right_table", "join_condition", "join_type", "description", "comment", "instruction"],
  joinSide: ["identifier", "alias"],
  snippets: ["filters", "expressions", "measures"],
  snippet: ["id", "alias", "display_name", "sql", "synonyms", "comment", "instruction"],
  benchmarks: ["questions"],
  benchmark: ["id", "question", "answer", "expected_sql"],
  answer: ["format", "content"],
} as const;

function withExtras<T extends object>(out: T, extras: Rec): T {
  for (const key of Object.keys(extras).sort()) (out as Rec)[key] = extras[key];
  return out;
}

function readSampleQuestions(r: Reader, sources: Array<{ v: unknown; path: string }>): SampleQuestion[] {
  const out: SampleQuestion[] = [];
  for (const { v, path } of sources) {
    r.list(v, path).forEach((item, i) => {
      const p = joinPath(path, i);
      if (typeof item === "string") {
        // friendly form: a sample question as a plain string
        if (item.trim() === "") r.shape(p, "must not be empty: write the question text");
        else out.push({ id: r.id({}, p, "sample_question", item, "sample question"), question: splitLines(item) });
        return;
      }
      if (item === null || item === undefined) { r.shape(p, "is empty: write the question text"); return; }
      const { rec, extras } = r.object(item, p, KEYS.sampleQuestion);
      if (!rec) return;
      const question = r.text(rec.question, joinPath(p, "question"), 'write the question, e.g. question: "What was revenue last month?"');
      if (question === undefined) return;
      out.push(withExtras({ id: r.id(rec, p, "sample_question", question, "sample question"), question: splitLines(question) }, extras));
    });
  }
  return out.sort(byKey((q) => q.id));
}

function readColumns(r: Reader, v: unknown, path: string): ColumnConfig[] | undefined {
  const out: ColumnConfig[] = [];
  const seen = new Map<string, string>();
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.column);
    if (!rec) return;
    const name = r.str(rec.column_name, joinPath(p, "column_name"), "name the column this config applies to");
    if (name === undefined) return;
    const other = seen.get(name);
    if (other) r.rule(joinPath(p, "column_name"), `column "${name}" is configured twice in this table (also at ${other}): merge the two entries`);
    else seen.set(name, p);
    const col: ColumnConfig = { column_name: name };
    const description = r.lines(rec.description, joinPath(p, "description"));
    if (description) col.description = description;
    const synonyms = r.strings(rec.synonyms, joinPath(p, "synonyms"));
    if (synonyms) col.synonyms = synonyms;
    // v1 names (get_example_values, build_value_dictionary) upgrade to v2 ones (§2.2).
    const exclude = r.bool(rec.exclude, joinPath(p, "exclude"));
    let format = r.bool(rec.enable_format_assistance, joinPath(p, "enable_format_assistance"));
    const formatV1 = r.bool(rec.get_example_values, joinPath(p, "get_example_values"));
    let entity = r.bool(rec.enable_entity_matching, joinPath(p, "enable_entity_matching"));
    const entityV1 = r.bool(rec.build_value_dictionary, joinPath(p, "build_value_dictionary"));
    format = format ?? formatV1;
    entity = entity ?? entityV1;
    if (entity && !format) {
      if (r.forge) format = true; // genie-forge files set entity matching alone; the API needs both.
      else r.rule(joinPath(p, rec.enable_entity_matching !== undefined ? "enable_entity_matching" : "build_value_dictionary"),
        "entity matching requires format assistance: add enable_format_assistance: true to this column");
    }
    // proto3-style: false toggles are omitted (§2.6), so `false` and absent compare equal.
    if (exclude) col.exclude = true;
    if (format) col.enable_format_assistance = true;
    if (entity) col.enable_entity_matching = true;
    out.push(withExtras(col, extras));
  });
  return out.length ? out.sort(byKey((c) => c.column_name)) : undefined;
}

function readDataSources(r: Reader, v: unknown, path: string, what: "table" | "metric view"): TableSource[] {
  const out: TableSource[] = [];
  const seen = new Map<string, string>();
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const rec0 = typeof item === "string" ? { identifier: item } : item;
    const { rec, extras } = r.object(rec0, p, KEYS.table);
    if (!rec) return;
    const identifier = r.identifier(rec.identifier, joinPath(p, "identifier"), what === "table" ? "table" : "metric_view");
    if (identifier === undefined) return;
    const other = seen.get(identifier);
    if (other) r.rule(joinPath(p, "identifier"), `${what} "${identifier}" is listed twice (also at ${other}): merge the two entries`);
    else seen.set(identifier, p);
    const source: TableSource = { identifier };
    const description = r.lines(rec.description, joinPath(p, "description"));
    if (description) source.description = description;
    const columns = readColumns(r, rec.column_configs, joinPath(p, "column_configs"));
    if (columns) source.column_configs = columns;
    out.push(withExtras(source, extras));
  });
  return out.sort(byKey((t) => t.identifier));
}

function readTextInstructions(r: Reader, v: unknown, path: string): TextInstruction[] {
  const blocks: string[] = [];
  let explicit: { rec: Rec; path: string } | undefined;
  const extrasAll: Rec = {};
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    if (typeof item === "string") { if (item.trim() !== "") blocks.push(item); return; }
    const { rec, extras } = r.object(item, p, KEYS.text);
    if (!rec) return;
    Object.assign(extrasAll, extras);
    if (rec.content !== undefined && rec.text !== undefined) {
      r.shape(joinPath(p, "text"), "content and text are the same field: keep only one of them");
    }
    const key = rec.content !== undefined ? "content" : "text";
    const content = r.text(rec[key], joinPath(p, key), 'write the instruction text, e.g. content: "Fiscal year starts in February."');
    if (content !== undefined) blocks.push(content);
    if (!explicit && rec.id !== undefined && rec.id !== null && rec.id !== "") explicit = { rec, path: p };
  });
  if (blocks.length === 0) return [];
  // The API allows one text instruction (§2.5); several are merged into one block, in order.
  let merged = "";
  for (const block of blocks) merged += merged === "" || merged.endsWith("\n") ? block : "\n" + block;
  const id = explicit
    ? r.id(explicit.rec, explicit.path, "text_instruction", "", "text instruction")
    : r.id({}, path, "text_instruction", "", "text instruction");
  return [withExtras({ id, content: splitLines(merged) }, extrasAll)];
}

function readDefaultValue(r: Reader, v: unknown, path: string): { values: string[] } | undefined {
  if (v === undefined || v === null) return undefined;
  const scalar = (x: unknown, p: string): string | undefined => {
    if (typeof x === "string" || typeof x === "number" || typeof x === "boolean") return String(x);
    r.shape(p, `expected a value; got ${describe(x)}`);
    return undefined;
  };
  let values: string[] = [];
  // genie-forge's four forms (§ issue 3): {values: [...]}, {type, value}, a list, a scalar.
  if (Array.isArray(v)) values = v.map((x, i) => scalar(x, joinPath(path, i))).filter((x): x is string => x !== undefined);
  else if (typeof v === "object") {
    const rec = v as Rec;
    if ("values" in rec) {
      const { rec: checked } = r.object(v, path, ["values"]);
      if (checked) values = r.list(checked.values, joinPath(path, "values"))
        .map((x, i) => scalar(x, joinPath(joinPath(path, "values"), i))).filter((x): x is string => x !== undefined);
    } else if ("value" in rec) {
      const { rec: checked } = r.object(v, path, ["type", "value"]);
      const one = checked ? scalar(checked.value, joinPath(path, "value")) : undefined;
      if (one !== undefined) values = [one];
    } else {
      r.shape(path, 'expected default_value: {values: ["…"]}, {value: "…"}, a list or a single value');
    }
  } else {
    const one = scalar(v, path);
    if (one !== undefined) values = [one];
  }
  return values.length ? { values } : undefined;
}

function readExamples(r: Reader, v: unknown, path: string): ExampleQuestionSql[] {
  const out: ExampleQuestionSql[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.example);
    if (!rec) return;
    const question = r.text(rec.question, joinPath(p, "question"), 'write the question this SQL answers, e.g. question: "Top 10 customers"');
    const sql = r.lines(rec.sql, joinPath(p, "sql"), "write the SQL that answers the question");
    if (question === undefined || sql === undefined) return;
    const example: ExampleQuestionSql = {
      id: r.id(rec, p, "example_question_sql", question, "example question"),
      question: splitLines(question),
      sql,
    };
    const params: SqlParameter[] = [];
    const names = new Map<string, string>();
    r.list(rec.parameters, joinPath(p, "parameters")).forEach((pi, j) => {
      const pp = joinPath(joinPath(p, "parameters"), j);
      const { rec: prm, extras: pex } = r.object(pi, pp, KEYS.parameter);
      if (!prm) return;
      const name = r.str(prm.name, joinPath(pp, "name"), "name the parameter as used in the SQL (:name)");
      if (name === undefined) return;
      if (names.has(name)) r.rule(joinPath(pp, "name"), `parameter "${name}" is declared twice (also at ${names.get(name)}): remove one`);
      names.set(name, pp);
      const param: SqlParameter = { name };
      const typeHint = r.str(prm.type_hint, joinPath(pp, "type_hint"));
      if (typeHint) param.type_hint = typeHint;
      const description = r.lines(prm.description, joinPath(pp, "description"));
      if (description) param.description = description;
      const dv = readDefaultValue(r, prm.default_value, joinPath(pp, "default_value"));
      if (dv) param.default_value = dv;
      params.push(withExtras(param, pex)); // parameters keep user order (§2.4)
    });
    if (params.length) example.parameters = params;
    const guidance = r.lines(rec.usage_guidance, joinPath(p, "usage_guidance"));
    if (guidance) example.usage_guidance = guidance;
    out.push(withExtras(example, extras));
  });
  return out.sort(byKey((e) => e.id));
}

function readSqlFunctions(r: Reader, v: unknown, path: string): SqlFunction[] {
  const out: SqlFunction[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const rec0 = typeof item === "string" ? { identifier: item } : item;
    // genie-forge keeps a local-only `description` on functions; the API rejects it (§2.2), so it is dropped.
    const { rec, extras } = r.object(rec0, p, KEYS.sqlFunction, r.forge ? ["description"] : []);
    if (!rec) return;
    const identifier = r.identifier(rec.identifier, joinPath(p, "identifier"), "function");
    if (identifier === undefined) return;
    out.push(withExtras({ id: r.id(rec, p, "sql_function", identifier, "SQL function"), identifier }, extras));
  });
  return out.sort(byKey((f) => f.id));
}

function relationshipMarker(r: Reader, value: string, path: string): string | undefined {
  const type = value.trim().toUpperCase();
  if (!RELATIONSHIP_TYPES.some((t) => t.toUpperCase() === type)) {
    r.rule(path, `relationship "${value}" is not valid: use one of ${RELATIONSHIP_TYPES.join(", ")}`);
    return undefined;
  }
  return `--rt=${RT_PREFIX}${type}--`;
}

function readJoinSide(r: Reader, v: unknown, path: string, which: string): JoinSide | undefined {
  const rec0 = typeof v === "string" ? { identifier: v } : v;
  if (rec0 === undefined || rec0 === null) {
    r.shape(path, `is required: set ${which}: {identifier: catalog.schema.table, alias: ${which === "left" ? "l" : "r"}}`);
    return undefined;
  }
  const { rec, extras } = r.object(rec0, path, KEYS.joinSide);
  if (!rec) return undefined;
  const identifier = r.identifier(rec.identifier, joinPath(path, "identifier"), "table");
  if (identifier === undefined) return undefined;
  const side: JoinSide = { identifier };
  const alias = r.str(rec.alias, joinPath(path, "alias"));
  if (alias) side.alias = alias;
  return withExtras(side, extras);
}

function readJoins(r: Reader, v: unknown, path: string): JoinSpec[] {
  const out: JoinSpec[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const legacy = item !== null && typeof item === "object" && !Array.isArray(item)
      && ["left_table", "right_table", "join_condition", "join_type"].some((k) => k in (item as Rec));
    const { rec, extras } = r.object(item, p, legacy ? KEYS.legacyJoin : KEYS.join);
    if (!rec) return;
    let left: JoinSide | undefined, right: JoinSide | undefined;
    let parts: string[] = [];
    let sqlPath: string;
    const markers: string[] = [];
    if (legacy) {
      // genie-forge's legacy form: left_table/right_table/join_condition/join_type.
      left = readJoinSide(r, rec.left_table, joinPath(p, "left_table"), "left_table");
      right = readJoinSide(r, rec.right_table, joinPath(p, "right_table"), "right_table");
      sqlPath = joinPath(p, "join_condition");
      const cond = r.text(rec.join_condition, sqlPath);
      if (cond !== undefined) parts = splitLines(cond);
      const joinType = r.str(rec.join_type, joinPath(p, "join_type"));
      if (joinType && joinType.toUpperCase() !== "INNER") {
        const m = relationshipMarker(r, joinType, joinPath(p, "join_type"));
        if (m) markers.push(m);
      }
    } else {
      left = readJoinSide(r, rec.left, joinPath(p, "left"), "left");
      right = readJoinSide(r, rec.right, joinPath(p, "right"), "right");
      sqlPath = joinPath(p, "sql");
      if (typeof rec.sql === "string") parts = splitLines(rec.sql);
      else if (rec.sql !== undefined && rec.sql !== null) {
        r.list(rec.sql, sqlPath).forEach((s, j) => {
          if (typeof s === "string") parts.push(s);
          else r.shape(joinPath(sqlPath, j), `expected a string; got ${describe(s)}`);
        });
      }
    }
    // The relationship travels as a `--rt=FROM_RELATIONSHIP_TYPE_…--` element of sql (§2.2).
    const condition: string[] = [];
    for (const part of parts) {
      const m = RT_MARKER.exec(part);
      if (!m) { condition.push(part); continue; }
      const type = m[1].startsWith(RT_PREFIX) ? m[1].slice(RT_PREFIX.length) : m[1];
      const marker = relationshipMarker(r, type, sqlPath);
      if (marker) markers.push(marker);
      else if (!r.strict) markers.push(part.trim());
    }
    if (!legacy && rec.relationship !== undefined && rec.relationship !== null) {
      const rel = r.str(rec.relationship, joinPath(p, "relationship"));
      const m = rel === undefined ? undefined : relationshipMarker(r, rel, joinPath(p, "relationship"));
      if (m) {
        if (markers.length && markers[0] !== m) {
          r.rule(joinPath(p, "relationship"), "relationship disagrees with the --rt= line in sql: keep only one of them");
        }
        if (!markers.includes(m)) markers.unshift(m);
      }
    }
    const unique = [...new Set(markers)];
    if (unique.length > 1) r.rule(sqlPath, "a join has one relationship type: keep a single --rt=… line");
    // Trailing newlines of a condition (YAML `|`) carry no meaning; the API's exports have none.
    const conditionText = condition.join("").replace(/\s+$/, "");
    if (conditionText === "") {
      r.shape(sqlPath, "join condition is missing: write it, e.g. sql: \"`orders`.`customer_id` = `customers`.`customer_id`\"");
    }
    if (!left || !right || conditionText === "") return;
    const spec: JoinSpec = {
      id: r.id(rec, p, "join_spec", [left.identifier, left.alias ?? "", right.identifier, right.alias ?? ""].join(" "), "join (same tables and aliases)"),
      left, right,
      sql: [...splitLines(conditionText), ...unique.slice(0, 1)],
    };
    const comment = r.lines(rec.comment, joinPath(p, "comment"));
    if (comment) spec.comment = comment;
    const instructionKey = legacy && rec.instruction === undefined ? "description" : "instruction";
    const instruction = r.lines(rec[instructionKey], joinPath(p, instructionKey));
    if (instruction) spec.instruction = instruction;
    out.push(withExtras(spec, extras));
  });
  return out.sort(byKey((j) => j.id));
}

function readSnippets(r: Reader, v: unknown, path: string, kind: "filter" | "expression" | "measure"): Array<SqlFilter | SqlExpression> {
  const out: Array<SqlFilter | SqlExpression> = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.snippet);
    if (!rec) return;
    const sql = r.lines(rec.sql, joinPath(p, "sql"), `write the SQL of this ${kind}`);
    const displayName = r.str(rec.display_name, joinPath(p, "display_name"),
      kind === "filter" ? 'name the filter as users say it, e.g. display_name: "large order"' : undefined);
    let alias = r.str(rec.alias, joinPath(p, "alias"));
    if (kind === "filter" && alias !== undefined) r.shape(joinPath(p, "alias"), 'filters have no alias: use display_name');
    if (kind !== "filter" && alias === undefined) {
      // genie-forge snippets carry only display_name; the API names expressions/measures by alias (§2.2).
      if (r.forge && displayName) alias = snakeCase(displayName);
      else r.shape(joinPath(p, "alias"), `is required: name the ${kind} as used in SQL, e.g. alias: net_revenue`);
    }
    if (sql === undefined || (kind === "filter" ? displayName === undefined : alias === undefined)) return;
    const name = kind === "filter" ? displayName! : alias!;
    const snippet: Rec = { id: r.id(rec, p, kind, name, `${kind} (same ${kind === "filter" ? "display_name" : "alias"})`) };
    if (kind !== "filter") snippet.alias = alias;
    if (displayName !== undefined) snippet.display_name = displayName;
    snippet.sql = sql;
    const synonyms = r.strings(rec.synonyms, joinPath(p, "synonyms"));
    if (synonyms) snippet.synonyms = synonyms;
    const comment = r.lines(rec.comment, joinPath(p, "comment"));
    if (comment) snippet.comment = comment;
    const instruction = r.lines(rec.instruction, joinPath(p, "instruction"));
    if (instruction) snippet.instruction = instruction;
    out.push(withExtras(snippet as unknown as SqlFilter | SqlExpression, extras));
  });
  return out.sort(byKey((s) => s.id));
}

function readBenchmarks(r: Reader, v: unknown, path: string): BenchmarkQuestion[] {
  const out: BenchmarkQuestion[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.benchmark);
    if (!rec) return;
    const question = r.text(rec.question, joinPath(p, "question"), "write the benchmark question");
    let answer: BenchmarkQuestion["answer"] = [];
    if (rec.expected_sql !== undefined && rec.answer !== undefined) {
      r.shape(joinPath(p, "expected_sql"), "expected_sql and answer say the same thing: keep only one of them");
    }
    if (rec.expected_sql !== undefined) {
      const sql = r.lines(rec.expected_sql, joinPath(p, "expected_sql"), "write the SQL that answers the question");
      if (sql) answer = [{ format: "SQL", content: sql }];
    } else if (rec.answer !== undefined && rec.answer !== null) {
      r.list(rec.answer, joinPath(p, "answer")).forEach((a, j) => {
        const ap = joinPath(joinPath(p, "answer"), j);
        const { rec: ar, extras: aex } = r.object(a, ap, KEYS.answer);
        if (!ar) return;
        const format = r.str(ar.format, joinPath(ap, "format"), 'set format: "SQL"');
        if (format !== undefined && format !== "SQL") r.rule(joinPath(ap, "format"), `answer format must be "SQL" (got "${format}")`);
        const content = r.lines(ar.content, joinPath(ap, "content"), "write the SQL of the answer");
        if (format !== undefined && content) answer.push(withExtras({ format, content }, aex));
      });
    }
    if (answer.length !== 1) {
      r.rule(answer.length ? joinPath(p, "answer") : p, answer.length
        ? `a benchmark has exactly one SQL answer (got ${answer.length}): keep one`
        : 'a benchmark needs exactly one SQL answer: add expected_sql: "SELECT …"');
    }
    if (question === undefined) return;
    out.push(withExtras({ id: r.id(rec, p, "benchmark_question", question, "benchmark question"), question: splitLines(question), answer }, extras));
  });
  return out.sort(byKey((q) => q.id));
}

/** How much of each per-space product limit a definition uses (docs/genie-api.md §2.5). */
export interface LimitUse {
  /** Tables + metric views. */
  dataSources: { used: number; limit: number };
  /** Example SQL queries + SQL functions + the text block (one, however many instructions it merges). */
  instructions: { used: number; limit: number };
  /** Table and column descriptions + joins + SQL snippets. */
  snippets: { used: number; limit: number };
}

export function limitUse(def: SpaceDefinition): LimitUse {
  const sources = [...(def.data_sources.tables ?? []), ...(def.data_sources.metric_views ?? [])];
  const ins = def.instructions;
  const instructions = (ins?.example_question_sqls?.length ?? 0) + (ins?.sql_functions?.length ?? 0) + (ins?.text_instructions?.length ? 1 : 0);
  let snippets = 0;
  for (const s of sources) {
    if (s.description) snippets++;
    for (const c of s.column_configs ?? []) if (c.description) snippets++;
  }
  snippets += ins?.join_specs?.length ?? 0;
  const sn = ins?.sql_snippets;
  snippets += (sn?.filters?.length ?? 0) + (sn?.expressions?.length ?? 0) + (sn?.measures?.length ?? 0);
  return {
    dataSources: { used: sources.length, limit: LIMITS.dataSources },
    instructions: { used: instructions, limit: LIMITS.instructions },
    snippets: { used: snippets, limit: LIMITS.snippets },
  };
}

function checkLimits(r: Reader, def: SpaceDefinition): void {
  const use = limitUse(def);
  if (use.dataSources.used > LIMITS.dataSources) {
    r.rule("data_sources", `too many data sources: ${use.dataSources.used} tables and metric views, the limit is ${LIMITS.dataSources} per space; remove some or split the space`);
  }
  if (use.instructions.used > LIMITS.instructions) {
    r.rule("instructions", `too many instructions: ${use.instructions.used} (example SQL queries + SQL functions + the text block), the limit is ${LIMITS.instructions} per space; remove some`);
  }
  if (use.snippets.used > LIMITS.snippets) {
    r.rule("", `too many knowledge snippets: ${use.snippets.used} (table and column descriptions + joins + SQL snippets), the limit is ${LIMITS.snippets} per space; remove some`);
  }
}

function readBody(r: Reader, input: unknown, ignoreKeys: readonly string[]): SpaceDefinition | undefined {
  let body = input;
  if (typeof input === "string") {
    try {
      body = JSON.parse(input);
    } catch (e) {
      r.shape("", `serialized_space is not valid JSON (${(e as Error).message}): it must be a JSON object`);
      return undefined;
    }
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    r.shape("", `expected a space definition (a mapping with data_sources, instructions, …); got ${describe(body)}`);
    return undefined;
  }
  // Strict reads validate the input's shape with zod first (shape.ts); its problems are reported
  // by the reader as it meets each field.
  if (r.strict) {
    const problems = shapeProblems(body, r.forge, ignoreKeys);
    if (problems.size) r.zod = problems;
  }
  const { rec: top, extras } = r.object(body, "", KEYS.top, ignoreKeys);
  if (!top) return undefined;
  if (top.version !== undefined && top.version !== 1 && top.version !== 2) {
    r.shape("version", `version must be 1 or 2 (got ${describe(top.version)}); v1 bodies are upgraded to v2 automatically`);
  }

  const { rec: config, extras: configExtras } = r.object(top.config, "config", KEYS.config);
  const sampleQuestions = readSampleQuestions(r, [
    { v: config?.sample_questions, path: "config.sample_questions" },
    { v: top.sample_questions, path: "sample_questions" },
  ]);

  const { rec: ds, extras: dsExtras } = r.object(top.data_sources, "data_sources", KEYS.dataSources);
  const tables = readDataSources(r, ds?.tables, "data_sources.tables", "table");
  const metricViews: MetricViewSource[] = readDataSources(r, ds?.metric_views, "data_sources.metric_views", "metric view");

  const { rec: ins, extras: insExtras } = r.object(top.instructions, "instructions", KEYS.instructions);
  const instructions: SpaceInstructions = {};
  const text = readTextInstructions(r, ins?.text_instructions, "instructions.text_instructions");
  if (text.length) instructions.text_instructions = text;
  const examples = readExamples(r, ins?.example_question_sqls, "instructions.example_question_sqls");
  if (examples.length) instructions.example_question_sqls = examples;
  const functions = readSqlFunctions(r, ins?.sql_functions, "instructions.sql_functions");
  if (functions.length) instructions.sql_functions = functions;
  const joins = readJoins(r, ins?.join_specs, "instructions.join_specs");
  if (joins.length) instructions.join_specs = joins;
  const { rec: sn, extras: snExtras } = r.object(ins?.sql_snippets, "instructions.sql_snippets", KEYS.snippets);
  const snippets: SqlSnippets = {};
  const filters = readSnippets(r, sn?.filters, "instructions.sql_snippets.filters", "filter") as SqlFilter[];
  if (filters.length) snippets.filters = filters;
  const expressions = readSnippets(r, sn?.expressions, "instructions.sql_snippets.expressions", "expression") as SqlExpression[];
  if (expressions.length) snippets.expressions = expressions;
  const measures = readSnippets(r, sn?.measures, "instructions.sql_snippets.measures", "measure") as SqlExpression[];
  if (measures.length) snippets.measures = measures;
  withExtras(snippets, snExtras);
  if (Object.keys(snippets).length) instructions.sql_snippets = snippets;
  withExtras(instructions, insExtras);

  const { rec: bm, extras: bmExtras } = r.object(top.benchmarks, "benchmarks", KEYS.benchmarks);
  const benchmarks = readBenchmarks(r, bm?.questions, "benchmarks.questions");

  // Canonical key order: version, config, data_sources, instructions, benchmarks (§7 normalization).
  const cfg = withExtras(sampleQuestions.length ? { sample_questions: sampleQuestions } : {}, configExtras);
  const out: Rec = { version: 2 };
  if (Object.keys(cfg).length) out.config = cfg;
  const dataSources: SpaceDefinition["data_sources"] = {};
  if (tables.length) dataSources.tables = tables;
  if (metricViews.length) dataSources.metric_views = metricViews;
  out.data_sources = withExtras(dataSources, dsExtras); // always present, as the server returns it (§2.6)
  if (Object.keys(instructions).length) out.instructions = instructions;
  const bench = withExtras(benchmarks.length ? { questions: benchmarks } : {}, bmExtras);
  if (Object.keys(bench).length) out.benchmarks = bench;
  const def = withExtras(out, extras) as unknown as SpaceDefinition;
  r.reportRemainingZodProblems();
  checkLimits(r, def);
  return def;
}

/**
 * Canonical bodies of definitions this module produced from a strict, problem-free read. The
 * canonical form is a fixed point of the reader, so if a definition still stringifies to the same
 * text it needs no second validation (toSerializedSpace of a loaded file stays cheap). Comparing
 * the full text makes this safe against later mutation of the definition.
 */
const canonicalBodies = new WeakMap<object, string>();

function rememberCanonical(definition: SpaceDefinition): void {
  canonicalBodies.set(definition, JSON.stringify(definition));
}

/**
 * The canonical body remembered for a definition a strict read just produced (no mutation check:
 * for the file loader's worker threads, which hand the body itself to the main thread).
 */
export function rememberedBody(definition: SpaceDefinition): string | undefined {
  return canonicalBodies.get(definition);
}

/**
 * The definition a worker thread produced, rebuilt from its canonical body. `JSON.parse` of the
 * canonical text gives back the same objects in the same key order, so the body is remembered
 * as is and toSerializedSpace stays cheap on the main thread.
 */
export function definitionFromBody(body: string): SpaceDefinition {
  const definition = JSON.parse(body) as SpaceDefinition;
  canonicalBodies.set(definition, body);
  return definition;
}

/** The canonical body if `definition` is unchanged since a strict read produced it. */
export function knownCanonicalBody(definition: unknown): string | undefined {
  if (definition === null || typeof definition !== "object") return undefined;
  const known = canonicalBodies.get(definition);
  return known !== undefined && known === JSON.stringify(definition) ? known : undefined;
}

/** Internal entry point shared by normalizeSpace, the serializer and the file loader. */
export function readSpace(input: unknown, options: NormalizeOptions = {}): { definition?: SpaceDefinition; problems: SpaceProblem[]; fatal: boolean } {
  const opts: Required<NormalizeOptions> = { mode: "strict", dialect: "native", ignoreKeys: [], ...options };
  const r = new Reader(opts);
  const definition = readBody(r, input, opts.ignoreKeys);
  const problems = r.issues.map(({ path, message }) => ({ path, message }));
  const fatal = r.issues.some((i) => i.kind === "shape") || definition === undefined;
  if (opts.mode === "strict" && problems.length === 0 && definition) rememberCanonical(definition);
  return { definition, problems, fatal };
}

/**
 * Validate and canonicalise a space: the friendly form, a raw v1/v2 body or a serialized_space
 * JSON string. Reports every problem (path + what to fix); `definition` is set only when there are none.
 */
export function normalizeSpace(input: unknown, options: NormalizeOptions = {}): { definition?: SpaceDefinition; problems: SpaceProblem[] } {
  const { definition, problems } = readSpace(input, options);
  return problems.length ? { problems } : { definition, problems };
}
