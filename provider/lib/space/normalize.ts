/**
 * The reader: turns any accepted input (friendly SpaceInput, raw v1/v2 body, serialized_space
 * JSON string, genie-forge space) into the canonical SpaceDefinition, reporting every problem
 * with the input path it came from. Everything the API needs sorted is sorted here, missing ids
 * are derived here, and the key order of the produced objects IS the canonical key order
 * (schema.ts). The sections are read by read-*.ts with the primitives of reader.ts.
 */
import { checkLimits } from "./limits";
import { describe, type SpaceProblem } from "./problems";
import { readDataSources } from "./read-data-sources";
import { readExamples, readSnippets, readSqlFunctions, readTextInstructions } from "./read-instructions";
import { type KnownSources, readJoins } from "./read-joins";
import { readBenchmarks, readSampleQuestions } from "./read-questions";
import { type NormalizeOptions, Reader, type Rec, withExtras } from "./reader";
import {
  KEYS, type MetricViewSource, type SpaceDefinition, type SpaceInstructions, type SqlExpression, type SqlFilter, type SqlSnippets,
} from "./schema";
import { lazyShapeProblems } from "./shape";

export type { Dialect, NormalizeOptions, ReadMode } from "./reader";

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
    const problems = lazyShapeProblems(body, r.forge, ignoreKeys);
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
  const sourceKeys = new Set<string>();
  const tables = readDataSources(r, ds?.tables, "data_sources.tables", "table", sourceKeys);
  const metricViews: MetricViewSource[] = readDataSources(r, ds?.metric_views, "data_sources.metric_views", "metric view", sourceKeys);
  const sources: KnownSources = { keys: sourceKeys, names: [...tables, ...metricViews].map((t) => t.identifier) };

  const { rec: ins, extras: insExtras } = r.object(top.instructions, "instructions", KEYS.instructions);
  const instructions: SpaceInstructions = {};
  const text = readTextInstructions(r, ins?.text_instructions, "instructions.text_instructions");
  if (text.length) instructions.text_instructions = text;
  const examples = readExamples(r, ins?.example_question_sqls, "instructions.example_question_sqls");
  if (examples.length) instructions.example_question_sqls = examples;
  const functions = readSqlFunctions(r, ins?.sql_functions, "instructions.sql_functions");
  if (functions.length) instructions.sql_functions = functions;
  const joins = readJoins(r, ins?.join_specs, "instructions.join_specs", sources);
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

  // Canonical key order: version, config, data_sources, instructions, benchmarks (schema.ts; docs/genie-api.md §7).
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

/** The canonical body if `definition` is unchanged since a strict read produced it. */
export function knownCanonicalBody(definition: unknown): string | undefined {
  if (definition === null || typeof definition !== "object") return undefined;
  const known = canonicalBodies.get(definition);
  return known !== undefined && known === JSON.stringify(definition) ? known : undefined;
}

export interface ReadResult {
  definition?: SpaceDefinition;
  problems: SpaceProblem[];
  /** problems beyond `maxProblems`, counted only */
  omitted: number;
  /** what a strict read changed or dropped on the way (each also says how to silence it) */
  warnings: SpaceProblem[];
  /** the input could not be read as a space at all (lenient reads report nothing else) */
  fatal: boolean;
}

/** Internal entry point shared by normalizeSpace, the serializer and the file loader. */
export function readSpace(input: unknown, options: NormalizeOptions = {}): ReadResult {
  const opts: Required<NormalizeOptions> = { mode: "strict", dialect: "native", ignoreKeys: [], maxProblems: Infinity, ...options };
  const r = new Reader(opts);
  const definition = readBody(r, input, opts.ignoreKeys);
  const problems = r.issues.map(({ path, message }) => ({ path, message }));
  const fatal = r.issues.some((i) => i.kind === "shape") || r.omittedShape || definition === undefined;
  if (opts.mode === "strict" && problems.length === 0 && r.omitted === 0 && definition) canonicalBodies.set(definition, JSON.stringify(definition));
  return { definition, problems, omitted: r.omitted, warnings: r.warnings, fatal };
}

/**
 * Validate and canonicalize a space: the friendly form, a raw v1/v2 body or a serialized_space
 * JSON string. Reports every problem (path + what to fix); `definition` is set only when there are
 * none. `warnings` name what was changed on the way (e.g. a genie-forge convenience applied).
 */
export function normalizeSpace(input: unknown, options: NormalizeOptions = {}): { definition?: SpaceDefinition; problems: SpaceProblem[]; warnings: SpaceProblem[] } {
  const { definition, problems, warnings } = readSpace(input, options);
  return problems.length ? { problems, warnings } : { definition, problems, warnings };
}
