/**
 * The emulator's own description of the serialized_space document (docs/genie-api.md §2.1–2.2).
 * Deliberately independent of provider/lib/space: the emulator stands in for the server, so it must
 * not share the client's idea of the schema (a shared bug would then pass unnoticed).
 *
 * Field order in each `fields` record is the canonical key order the server emits (§2.6).
 */

export type Shape = StringShape | TextShape | BoolShape | ObjectShape | ListShape;

export interface StringShape {
  t: "string";
  /** Must be present and non-empty (identifier, column_name). */
  required?: boolean;
}
/** A "text" field: an array of strings concatenated by the server (§2). */
export interface TextShape {
  t: "text";
}
/** A proto3 boolean toggle: `false` is dropped on normalization. */
export interface BoolShape {
  t: "bool";
}
export interface ObjectShape {
  t: "object";
  /** Name used in messages, e.g. "table". */
  kind: string;
  fields: Record<string, Shape>;
}
export interface ListShape {
  t: "list";
  item: ObjectShape;
  /** Dotted path used in sort messages, e.g. "data_sources.tables". */
  label: string;
  sortKey?: "id" | "identifier" | "column_name";
  /** config.sample_questions: silently re-sorted instead of rejected (§2.4). */
  resort?: boolean;
  /** Sort errors under data_sources carry the "Invalid export proto: " prefix (§2.4). */
  protoPrefix?: boolean;
  maxItems?: number;
  /** Message for more than maxItems items, given the count. */
  tooMany?: (count: number) => string;
}

const str: StringShape = { t: "string" };
const requiredStr: StringShape = { t: "string", required: true };
const text: TextShape = { t: "text" };
const bool: BoolShape = { t: "bool" };
const obj = (kind: string, fields: Record<string, Shape>): ObjectShape => ({ t: "object", kind, fields });
const list = (item: ObjectShape, opts: Omit<ListShape, "t" | "item">): ListShape => ({ t: "list", item, ...opts });

export type SpaceVersion = 1 | 2;

/** v1 toggle names and the v2 names they were renamed to (P2G, docs/genie-api.md §2.2). */
export const V1_TOGGLE_RENAMES: Record<string, string> = {
  get_example_values: "enable_format_assistance",
  build_value_dictionary: "enable_entity_matching",
};

function columnConfig(version: SpaceVersion): ObjectShape {
  const toggles: Record<string, Shape> =
    version === 1
      ? { get_example_values: bool, build_value_dictionary: bool }
      : { enable_format_assistance: bool, enable_entity_matching: bool };
  return obj("column_config", {
    column_name: requiredStr,
    description: text,
    synonyms: text,
    exclude: bool,
    ...toggles,
  });
}

function dataSource(kind: string, version: SpaceVersion): ObjectShape {
  const fields: Record<string, Shape> = { identifier: requiredStr, description: text };
  // PPG v1 gives metric views no column configs; v2 exports carry them (3PS/P2G).
  if (kind === "table" || version === 2) {
    fields.column_configs = list(columnConfig(version), {
      label: "column_configs",
      sortKey: "column_name",
      protoPrefix: true,
    });
  }
  return obj(kind, fields);
}

function snippet(kind: string, withAlias: boolean): ObjectShape {
  const fields: Record<string, Shape> = { id: str };
  if (withAlias) fields.alias = str;
  Object.assign(fields, { display_name: str, sql: text, synonyms: text, comment: text, instruction: text });
  return obj(kind, fields);
}

/** The whole document schema for one version, excluding the top-level `version` key. */
export function spaceSchema(version: SpaceVersion): ObjectShape {
  const joinSide = obj("join_side", { identifier: str, alias: str });
  const instructionsFields: Record<string, Shape> = {
    text_instructions: list(obj("text_instruction", { id: str, content: text }), {
      label: "instructions.text_instructions",
      sortKey: "id",
      maxItems: 1,
      tooMany: () => "instructions.text_instructions must contain at most one item",
    }),
    example_question_sqls: list(
      obj("example_question_sql", {
        id: str,
        question: text,
        sql: text,
        parameters: list(
          obj("parameter", {
            name: str,
            type_hint: str,
            description: text,
            default_value: obj("default_value", { values: text }),
          }),
          // Parameters keep user order (PPG).
          { label: "parameters" },
        ),
        usage_guidance: text,
      }),
      { label: "instructions.example_question_sqls", sortKey: "id" },
    ),
    sql_functions: list(obj("sql_function", { id: str, identifier: requiredStr }), {
      label: "instructions.sql_functions",
      sortKey: "id",
      maxItems: 50,
      tooMany: (n) => `Exceeded maximum number (50) of instructions.sql_functions: got ${n}`,
    }),
    join_specs: list(
      obj("join_spec", {
        id: str,
        left: joinSide,
        right: joinSide,
        sql: text,
        comment: text,
        ...(version === 2 ? { instruction: text } : {}),
      }),
      { label: "instructions.join_specs", sortKey: "id" },
    ),
  };
  if (version === 2) {
    instructionsFields.sql_snippets = obj("sql_snippets", {
      filters: list(snippet("filter", false), { label: "instructions.sql_snippets.filters", sortKey: "id" }),
      expressions: list(snippet("expression", true), {
        label: "instructions.sql_snippets.expressions",
        sortKey: "id",
      }),
      measures: list(snippet("measure", true), { label: "instructions.sql_snippets.measures", sortKey: "id" }),
    });
  }
  return obj("space", {
    config: obj("config", {
      sample_questions: list(obj("sample_question", { id: str, question: text }), {
        label: "config.sample_questions",
        sortKey: "id",
        resort: true,
      }),
    }),
    data_sources: obj("data_sources", {
      tables: list(dataSource("table", version), {
        label: "data_sources.tables",
        sortKey: "identifier",
        protoPrefix: true,
      }),
      metric_views: list(dataSource("metric_view", version), {
        label: "data_sources.metric_views",
        sortKey: "identifier",
        protoPrefix: true,
      }),
    }),
    instructions: obj("instructions", instructionsFields),
    benchmarks: obj("benchmarks", {
      questions: list(
        obj("benchmark_question", {
          id: str,
          question: text,
          answer: list(obj("answer", { format: str, content: text }), { label: "answer" }),
        }),
        {
          label: "benchmarks.questions",
          sortKey: "id",
          maxItems: 50,
          tooMany: (n) => `Exceeded maximum number (50) of benchmarks.questions: got ${n}`,
        },
      ),
    }),
  });
}

export const SCHEMA_V1 = spaceSchema(1);
export const SCHEMA_V2 = spaceSchema(2);
