/**
 * The shape of the friendly input, validated by zod (strict mode). The schema mirrors what the
 * reader (normalize.ts) accepts: `null` means absent (a YAML `key:` with no value), a string
 * stands for a one-item list or a one-line text, and every mapping is strict (unknown keys are
 * problems with a "did you mean" suggestion). Zod issues are mapped to SpaceProblem messages in
 * the reader's wording, keyed by field path; the reader then reports them in its traversal order
 * and keeps the rules zod cannot express (ids, uniqueness, sorting, limits, relationship types,
 * entity matching, required fields with their per-field hints).
 *
 * Not covered here (the reader validates them itself): join specs (their legacy/modern form is
 * chosen by which keys are present) and default_value (four genie-forge forms).
 */
import { z } from "zod";
import { describe, joinPath, suggestKey } from "./problems";

type Shape = Record<string, z.ZodType>;

/** Separates the per-key messages of one unrecognized_keys issue (messages never contain it). */
const KEY_SEPARATOR = "\u0000";

const fieldsLike = (known: readonly string[]) => `expected a mapping with fields like ${known.slice(0, 3).join(", ")}`;

/** A strict mapping. `known` is the order used in messages; `extra` keys are accepted but not advertised. */
function mapping(known: readonly string[], shape: Shape, extra: readonly string[] = []) {
  const full: Shape = { ...shape };
  for (const key of extra) full[key] ??= z.unknown().optional();
  return z.strictObject(full, {
    error: (iss) => {
      if (iss.code === "unrecognized_keys") {
        return iss.keys.map((key) => {
          const hint = suggestKey(key, [...known, ...extra]);
          return hint ? `unknown field "${key}": did you mean "${hint}"?` : `unknown field "${key}": allowed fields here are ${known.join(", ")}`;
        }).join(KEY_SEPARATOR);
      }
      return `${fieldsLike(known)}; got ${describe(iss.input)}`;
    },
  }).nullish();
}

const str = () => z.string({ error: (iss) => `expected a string; got ${describe(iss.input)}: quote the value` }).nullish();
const bool = () => z.boolean({ error: (iss) => `expected true or false; got ${describe(iss.input)}` }).nullish();
const id = () => z.string({ error: (iss) => `expected a string id; got ${describe(iss.input)}: quote it, or remove it to derive one` }).nullish();
const listMessage = (input: unknown) => `expected a list; got ${describe(input)}: write it as a YAML list ("- item") or a JSON array`;
const list = (item: z.ZodType) => z.array(item, { error: (iss) => listMessage(iss.input) }).nullish();

/** Text: a string or a list of strings (the API concatenates the parts, §2). */
const text = () => z.union([
  z.string(),
  z.array(z.string({ error: (iss) => `expected a string; got ${describe(iss.input)}: quote the value` })),
], { error: (iss) => `expected text (a string or a list of strings); got ${describe(iss.input)}: quote the value` }).nullish();

/** Separate strings (synonyms): one string is a one-item list; numbers and booleans are read as text. */
const strings = () => z.union([
  z.string(),
  z.array(z.union([z.string(), z.number(), z.boolean()], { error: (iss) => `expected a string; got ${describe(iss.input)}` })),
], { error: (iss) => listMessage(iss.input) }).nullish();

/** A list item that may be written as a plain string (e.g. a table by its identifier); null items are skipped. */
const stringOr = (known: readonly string[], m: z.ZodType) =>
  z.union([z.string(), z.null(), m], { error: (iss) => `${fieldsLike(known)}; got ${describe(iss.input)}` });

const K = {
  top: ["version", "config", "data_sources", "instructions", "benchmarks", "sample_questions"],
  sampleQuestion: ["id", "question"],
  table: ["identifier", "description", "column_configs"],
  column: ["column_name", "description", "synonyms", "exclude", "enable_format_assistance", "enable_entity_matching",
    "get_example_values", "build_value_dictionary"],
  text: ["id", "content", "text"],
  example: ["id", "question", "sql", "parameters", "usage_guidance"],
  parameter: ["name", "type_hint", "description", "default_value"],
  sqlFunction: ["id", "identifier"],
  snippet: ["id", "alias", "display_name", "sql", "synonyms", "comment", "instruction"],
  benchmark: ["id", "question", "answer", "expected_sql"],
  answer: ["format", "content"],
} as const;

function buildSchema(forge: boolean, topExtra: readonly string[]) {
  const sampleQuestion = stringOr(K.sampleQuestion, mapping(K.sampleQuestion, { id: id(), question: text() }));
  const column = mapping(K.column, {
    column_name: str(), description: text(), synonyms: strings(), exclude: bool(),
    enable_format_assistance: bool(), enable_entity_matching: bool(), get_example_values: bool(), build_value_dictionary: bool(),
  });
  const source = stringOr(K.table, mapping(K.table, { identifier: str(), description: text(), column_configs: list(column) }));
  const snippet = mapping(K.snippet, {
    id: id(), alias: str(), display_name: str(), sql: text(), synonyms: strings(), comment: text(), instruction: text(),
  });
  const parameter = mapping(K.parameter, { name: str(), type_hint: str(), description: text(), default_value: z.unknown().optional() });
  return mapping(K.top, {
    version: z.unknown().optional(),
    config: mapping(["sample_questions"], { sample_questions: list(sampleQuestion) }),
    sample_questions: list(sampleQuestion),
    data_sources: mapping(["tables", "metric_views"], { tables: list(source), metric_views: list(source) }),
    instructions: mapping(["text_instructions", "example_question_sqls", "sql_functions", "join_specs", "sql_snippets"], {
      text_instructions: list(stringOr(K.text, mapping(K.text, { id: id(), content: text(), text: text() }))),
      example_question_sqls: list(mapping(K.example, {
        id: id(), question: text(), sql: text(), parameters: list(parameter), usage_guidance: text(),
      })),
      // genie-forge keeps a local-only `description` on functions (dropped by the reader).
      sql_functions: list(stringOr(K.sqlFunction, mapping(K.sqlFunction, { id: id(), identifier: str() }, forge ? ["description"] : []))),
      join_specs: list(z.unknown()),
      sql_snippets: mapping(["filters", "expressions", "measures"], { filters: list(snippet), expressions: list(snippet), measures: list(snippet) }),
    }),
    benchmarks: mapping(["questions"], {
      questions: list(mapping(K.benchmark, {
        id: id(), question: text(), expected_sql: text(),
        answer: list(mapping(K.answer, { format: str(), content: text() })),
      })),
    }),
  }, topExtra);
}

const schemas = new Map<string, ReturnType<typeof buildSchema>>();

/** The strict input schema for a dialect and the top-level keys the caller handles (cached: zod compiles on first use). */
export function spaceShapeSchema(forge: boolean, topExtra: readonly string[] = []) {
  const key = `${forge ? "forge" : "native"}:${topExtra.join(",")}`;
  let schema = schemas.get(key);
  if (!schema) schemas.set(key, (schema = buildSchema(forge, topExtra)));
  return schema;
}

type Issue = z.core.$ZodIssue;

function pathOf(segs: readonly PropertyKey[]): string {
  return segs.reduce<string>((p, s) => joinPath(p, typeof s === "number" ? s : String(s)), "");
}

/**
 * A union's issues: when the input had the type of one alternative (its issues are all below the
 * root, or unknown keys), that alternative's issues are the useful ones; otherwise the union's own
 * message ("expected text (a string or a list of strings) …") says what was expected.
 */
function collect(issues: readonly Issue[], prefix: readonly PropertyKey[], out: Map<string, string[]>): void {
  for (const iss of issues) {
    const segs = [...prefix, ...iss.path];
    if (iss.code === "invalid_union") {
      const matched = iss.errors.find((branch) => branch.every((e) => e.path.length > 0 || e.code === "unrecognized_keys"));
      if (matched) { collect(matched, segs, out); continue; }
    }
    if (iss.code === "unrecognized_keys") {
      const messages = iss.message.split(KEY_SEPARATOR);
      iss.keys.forEach((key, i) => add(out, joinPath(pathOf(segs), key), messages[i] ?? `unknown field "${key}"`));
      continue;
    }
    add(out, pathOf(segs), iss.message);
  }
}

function add(out: Map<string, string[]>, path: string, message: string): void {
  const list = out.get(path);
  if (list) { if (!list.includes(message)) list.push(message); } else out.set(path, [message]);
}

/**
 * Shape problems of a friendly input (a mapping), keyed by field path, in zod's order; empty when
 * the shape is valid.
 */
export function shapeProblems(input: object, forge: boolean, topExtra: readonly string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const result = spaceShapeSchema(forge, topExtra).safeParse(input);
  if (!result.success) collect(result.error.issues, [], out);
  return out;
}
