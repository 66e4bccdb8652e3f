/**
 * The space language, declared once. Every field of a space is listed here a single time, with
 * - its canonical (wire) type: what `serialized_space` holds (docs/genie-api.md §2.2); the
 *   TypeScript types of a definition are inferred from it, and it is the exported
 *   `spaceDefinitionSchema`;
 * - its friendly input type: what a space file or a `SpaceInput` may say instead (a string for a
 *   one-item list or a one-line text, `null` for absent, v1 names, genie-forge conveniences), with
 *   the message a user reads when the value has the wrong type or a key is unknown;
 * - its place in the key tables the reader walks (`KEYS`), whose order is also the order used
 *   in messages ("allowed fields here are …").
 * A new API field is one line here plus, if it needs more than copying, its rule in the reader.
 * The emulator keeps a deliberately independent schema (provider/tools/emulator/space-schema.ts).
 *
 * The input schema validates types and keys only (strict mappings); the reader (normalize.ts)
 * keeps the rules zod cannot express: ids, uniqueness, sorting, limits, required fields with
 * their hints, relationship types, and the forms chosen by which keys are present (join specs,
 * default values), whose input types here are declared but checked by the reader.
 */
import { z } from "zod";
import { describe, suggestKey } from "./problems";

/**
 * An unrecognized_keys issue carries the mapping's known and extra keys instead of one message per
 * key: the messages (with their "did you mean" search) are written only for the keys reported, so
 * a file with 200,000 unknown keys costs no 200,000 suggestions (see MAX_REPORTED in positions.ts).
 */
const UNKNOWN_KEYS = "\u0000unknown-keys:";

export function unknownKeysIssue(known: readonly string[], extra: readonly string[]): string {
  return UNKNOWN_KEYS + JSON.stringify([known, extra]);
}

/** The known and extra keys of a mapping whose unknown keys an issue reports, if it is such an issue. */
export function keysOfUnknownKeysIssue(message: string): [string[], string[]] | undefined {
  return message.startsWith(UNKNOWN_KEYS) ? JSON.parse(message.slice(UNKNOWN_KEYS.length)) : undefined;
}

const fieldsLike = (known: readonly string[]) => `expected a mapping with fields like ${known.slice(0, 3).join(", ")}`;
const listMessage = (input: unknown) => `expected a list; got ${describe(input)}: write it as a YAML list ("- item") or a JSON array`;

/** The message for an unknown key of a mapping whose keys are `known` (plus unadvertised `extra`). */
export function unknownKeyMessage(key: string, known: readonly string[], extra: readonly string[] = []): string {
  const hint = suggestKey(key, [...known, ...extra]);
  return hint ? `unknown field "${key}": did you mean "${hint}"?` : `unknown field "${key}": allowed fields here are ${known.join(", ")}`;
}

// ---------------------------------------------------------------------------------------------
// Input types of the leaves (null always means absent: a YAML `key:` with no value)
// ---------------------------------------------------------------------------------------------

const inStr = () => z.string({ error: (iss) => `expected a string; got ${describe(iss.input)}: quote the value` }).nullish();
const inBool = () => z.boolean({ error: (iss) => `expected true or false; got ${describe(iss.input)}` }).nullish();
const inId = () => z.string({ error: (iss) => `expected a string id; got ${describe(iss.input)}: quote it, or remove it to derive one` }).nullish();
/** Text: a string or a list of strings (the API concatenates the parts, §2). */
const inText = () => z.union([
  z.string(),
  z.array(z.string({ error: (iss) => `expected a string; got ${describe(iss.input)}: quote the value` })),
], { error: (iss) => `expected text (a string or a list of strings); got ${describe(iss.input)}: quote the value` }).nullish();
/** Separate strings (synonyms): one string is a one-item list; numbers and booleans are read as text. */
const inStrings = () => z.union([
  z.string(),
  z.array(z.union([z.string(), z.number(), z.boolean()], { error: (iss) => `expected a string; got ${describe(iss.input)}` })),
], { error: (iss) => listMessage(iss.input) }).nullish();
const inList = <T extends z.ZodType>(item: T) => z.array(item, { error: (iss) => listMessage(iss.input) }).nullish();
/** A value whose input form the reader checks itself; zod only carries its type. */
const checkedByReader = <T>() => z.custom<T>(() => true).nullish();

// ---------------------------------------------------------------------------------------------
// Fields and items
// ---------------------------------------------------------------------------------------------

/** How a mapping's input is built: genie-forge extras, and keys the caller handles (file metadata). */
export interface InputOptions { forge: boolean; topExtra: readonly string[] }

/** One field: its wire type (absent for input-only fields) and a builder of its input type. */
interface Field<W extends z.ZodType | undefined = z.ZodType | undefined, I extends z.ZodType = z.ZodType> {
  wire: W;
  input: (o: InputOptions) => I;
}
type Fields = Record<string, Field>;
type WireShape<F extends Fields> = { [K in keyof F as F[K]["wire"] extends z.ZodType ? K : never]: Exclude<F[K]["wire"], undefined> };
type InputShape<F extends Fields> = { [K in keyof F]: ReturnType<F[K]["input"]> };

/** A mapping of the language: its fields in canonical order, its wire schema and its input schema. */
export interface Item<F extends Fields = Fields> {
  fields: F;
  /** every key the reader accepts, in message order */
  keys: readonly (keyof F & string)[];
  wire: z.ZodObject<WireShape<F>>;
  input: (o: InputOptions) => z.ZodOptional<z.ZodNullable<z.ZodObject<InputShape<F>>>>;
}

/**
 * A mapping. `extra(o)` names keys accepted without being advertised in messages (genie-forge
 * extras, the caller's metadata keys); they are typed unknown and read (or dropped) by the reader.
 */
function item<F extends Fields>(fields: F, extra: (o: InputOptions) => readonly string[] = () => []): Item<F> {
  const keys = Object.keys(fields) as (keyof F & string)[];
  const wireShape: Record<string, z.ZodType> = {};
  for (const k of keys) if (fields[k].wire) wireShape[k] = fields[k].wire!;
  return {
    fields,
    keys,
    wire: z.object(wireShape) as unknown as z.ZodObject<WireShape<F>>,
    input: (o) => {
      const more = extra(o);
      const shape: Record<string, z.ZodType> = {};
      for (const k of keys) shape[k] = fields[k].input(o);
      for (const k of more) shape[k] ??= z.unknown().optional();
      return z.strictObject(shape, {
        error: (iss) => iss.code === "unrecognized_keys"
          ? unknownKeysIssue(keys, more)
          : `${fieldsLike(keys)}; got ${describe(iss.input)}`,
      }).nullish() as unknown as ReturnType<Item<F>["input"]>;
    },
  };
}

const field = <W extends z.ZodType | undefined, I extends z.ZodType>(wire: W, input: (o: InputOptions) => I): Field<W, I> => ({ wire, input });

/** docs/genie-api.md §2.3: 32 lowercase hex characters (uuid4().hex). */
const hexId = z.string().regex(/^[0-9a-f]{32}$/);
const wireText = z.array(z.string());

const text = () => field(wireText.optional(), inText);
const requiredText = () => field(wireText, inText);
const strings = () => field(z.array(z.string()).optional(), inStrings);
const flag = () => field(z.boolean().optional(), inBool);
const str = () => field(z.string().optional(), inStr);
const requiredStr = () => field(z.string(), inStr);
const id = () => field(hexId, inId);
/** A field only the friendly form has (v1 names, genie-forge keys, conveniences). */
const inputOnly = <I extends z.ZodType>(input: (o: InputOptions) => I) => field(undefined, input);

const list = <F extends Fields>(of: Item<F>) => field(z.array(of.wire).optional(), (o) => inList(of.input(o)));
/** A list whose items may also be written as a plain string (e.g. a table by its identifier); null items are skipped. */
const listOrString = <F extends Fields>(of: Item<F>) => field(z.array(of.wire).optional(), (o) => inList(
  z.union([z.string(), z.null(), of.input(o)], { error: (iss) => `${fieldsLike(of.keys)}; got ${describe(iss.input)}` }),
));
const mapping = <F extends Fields>(of: Item<F>) => field(of.wire.optional(), (o) => of.input(o));

// ---------------------------------------------------------------------------------------------
// The language
// ---------------------------------------------------------------------------------------------

export const RELATIONSHIP_TYPES = ["many_to_one", "one_to_many", "one_to_one", "many_to_many"] as const;
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

const sampleQuestion = item({ id: id(), question: requiredText() });

const columnConfig = item({
  column_name: requiredStr(),
  description: text(),
  synonyms: strings(),
  exclude: flag(),
  enable_format_assistance: flag(),
  enable_entity_matching: flag(),
  /** v1 name of enable_format_assistance */
  get_example_values: inputOnly(inBool),
  /** v1 name of enable_entity_matching */
  build_value_dictionary: inputOnly(inBool),
});

const dataSource = item({ identifier: requiredStr(), description: text(), column_configs: list(columnConfig) });

const textInstruction = item({
  id: id(),
  content: requiredText(),
  /** genie-forge name of content */
  text: inputOnly(inText),
});

/** genie-forge's four forms; the reader checks which one is used. */
type DefaultValueInput = { values: string[] } | { type?: string; value: string | number | boolean } | string[] | string;

const parameter = item({
  name: requiredStr(),
  type_hint: str(),
  description: text(),
  default_value: field(z.object({ values: z.array(z.string()) }).optional(), () => checkedByReader<DefaultValueInput>()),
});

const example = item({ id: id(), question: requiredText(), sql: requiredText(), parameters: list(parameter), usage_guidance: text() });

// genie-forge keeps a local-only `description` on functions (dropped by the reader).
const sqlFunction = item({ id: id(), identifier: requiredStr() }, (o) => (o.forge ? ["description"] : []));

const joinSide = item({ identifier: requiredStr(), alias: str() });

const join = item({
  id: id(),
  left: field(joinSide.wire, (o) => z.union([z.string(), joinSide.input(o)])),
  right: field(joinSide.wire, (o) => z.union([z.string(), joinSide.input(o)])),
  /** condition lines, then the `--rt=FROM_RELATIONSHIP_TYPE_…--` marker when a relationship is set (§2.2) */
  sql: requiredText(),
  /** the relationship as a field; the reader writes it as the --rt= line */
  relationship: inputOnly(() => checkedByReader<RelationshipType>()),
  comment: text(),
  instruction: text(),
});

/** genie-forge's legacy join form (input only): the reader turns it into a join spec. */
const legacyJoin = item({
  id: inputOnly(inId),
  left_table: inputOnly(inStr),
  right_table: inputOnly(inStr),
  join_condition: inputOnly(inText),
  join_type: inputOnly(inStr),
  description: inputOnly(inText),
  comment: inputOnly(inText),
  instruction: inputOnly(inText),
});

type JoinInput = z.input<ReturnType<typeof join.input>> | z.input<ReturnType<typeof legacyJoin.input>>;

/** One declaration for the three snippet kinds; filters have no alias (the reader says so). */
const snippet = <A extends Field, D extends Field>(alias: A, displayName: D) => item({
  id: id(), alias, display_name: displayName, sql: requiredText(), synonyms: strings(), comment: text(), instruction: text(),
});
const filter = snippet(inputOnly(inStr), requiredStr());
const expression = snippet(requiredStr(), str());

const sqlSnippets = item({ filters: list(filter), expressions: list(expression), measures: list(expression) });

const instructions = item({
  text_instructions: field(z.array(textInstruction.wire).max(1).optional(), listOrString(textInstruction).input),
  example_question_sqls: list(example),
  sql_functions: listOrString(sqlFunction),
  // The join's form is chosen by which keys are present; the reader checks it (KEYS.join, KEYS.legacyJoin).
  join_specs: field(z.array(join.wire).optional(), () => inList(checkedByReader<JoinInput>())),
  sql_snippets: mapping(sqlSnippets),
});

const answer = item({ format: field(z.literal("SQL"), inStr), content: requiredText() });

const benchmark = item({
  id: id(),
  question: requiredText(),
  answer: field(z.array(answer.wire).length(1), (o) => inList(answer.input(o))),
  /** the one SQL answer, written as text */
  expected_sql: inputOnly(inText),
});

const config = item({ sample_questions: listOrString(sampleQuestion) });
const dataSources = item({ tables: listOrString(dataSource), metric_views: listOrString(dataSource) });
const benchmarks = item({ questions: list(benchmark) });

const space = item({
  version: field(z.literal(2), () => checkedByReader<1 | 2>()),
  config: mapping(config),
  // always present in the canonical body, as the server returns it (§2.6)
  data_sources: field(dataSources.wire, dataSources.input),
  instructions: mapping(instructions),
  benchmarks: mapping(benchmarks),
  /** friendly: sample questions at the top level */
  sample_questions: inputOnly(listOrString(sampleQuestion).input),
}, (o) => o.topExtra);

/** The keys of every mapping, in message order: what the reader accepts at each place. */
export const KEYS = {
  top: space.keys,
  config: config.keys,
  sampleQuestion: sampleQuestion.keys,
  dataSources: dataSources.keys,
  table: dataSource.keys,
  column: columnConfig.keys,
  instructions: instructions.keys,
  text: textInstruction.keys,
  example: example.keys,
  parameter: parameter.keys,
  sqlFunction: sqlFunction.keys,
  join: join.keys,
  legacyJoin: legacyJoin.keys,
  joinSide: joinSide.keys,
  snippets: sqlSnippets.keys,
  snippet: expression.keys,
  benchmarks: benchmarks.keys,
  benchmark: benchmark.keys,
  answer: answer.keys,
} as const;

// ---------------------------------------------------------------------------------------------
// Exported schemas and types
// ---------------------------------------------------------------------------------------------

/** The canonical v2 body (what `serialized_space` holds). */
export const spaceDefinitionSchema = space.wire;

const inputSchemas = new Map<string, ReturnType<typeof space.input>>();

/** The strict input schema for a dialect and the top-level keys the caller handles (cached: zod compiles on first use). */
export function spaceInputSchemaFor(o: InputOptions): ReturnType<typeof space.input> {
  const key = `${o.forge ? "forge" : "native"}:${o.topExtra.join(",")}`;
  let schema = inputSchemas.get(key);
  if (!schema) inputSchemas.set(key, (schema = space.input(o)));
  return schema;
}

/** The friendly authoring form of a native space (see docs/space-files.md). */
export const spaceInputSchema = spaceInputSchemaFor({ forge: false, topExtra: [] });

/** The canonical v2 body. `data_sources` is always present (the server adds `{}`, §2.6). */
export type SpaceDefinition = z.infer<typeof spaceDefinitionSchema>;
/** The friendly authoring form: a string wherever a list of strings is expected, ids optional. */
export type SpaceInput = NonNullable<z.input<typeof spaceInputSchema>>;

export type SampleQuestion = z.infer<typeof sampleQuestion.wire>;
export type ColumnConfig = z.infer<typeof columnConfig.wire>;
export type TableSource = z.infer<typeof dataSource.wire>;
export type MetricViewSource = TableSource;
export type TextInstruction = z.infer<typeof textInstruction.wire>;
export type SqlParameter = z.infer<typeof parameter.wire>;
export type ParameterDefaultValue = NonNullable<SqlParameter["default_value"]>;
export type ExampleQuestionSql = z.infer<typeof example.wire>;
export type SqlFunction = z.infer<typeof sqlFunction.wire>;
export type JoinSide = z.infer<typeof joinSide.wire>;
/** `sql` = condition lines, then the `--rt=FROM_RELATIONSHIP_TYPE_…--` marker when a relationship is set (§2.2). */
export type JoinSpec = z.infer<typeof join.wire>;
export type SqlFilter = z.infer<typeof filter.wire>;
export type SqlExpression = z.infer<typeof expression.wire>;
export type SqlMeasure = SqlExpression;
export type SqlSnippets = z.infer<typeof sqlSnippets.wire>;
export type BenchmarkAnswer = z.infer<typeof answer.wire>;
export type BenchmarkQuestion = z.infer<typeof benchmark.wire>;
export type SpaceInstructions = z.infer<typeof instructions.wire>;
