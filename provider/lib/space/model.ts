/**
 * The space model: the canonical v2 `serialized_space` body as typed objects
 * (`SpaceDefinition`) and the friendly authoring form (`SpaceInput`).
 *
 * Field names follow docs/genie-api.md §2.2 exactly (snake_case) because the canonical
 * definition IS the wire body. Text fields are `string[]` whose elements the API
 * concatenates without separators (§2), split at newlines (see text.ts).
 */
import { z } from "zod";

export interface SampleQuestion { id: string; question: string[] }

export interface ColumnConfig {
  column_name: string;
  description?: string[];
  synonyms?: string[];
  exclude?: boolean;
  enable_format_assistance?: boolean;
  enable_entity_matching?: boolean;
}

export interface TableSource { identifier: string; description?: string[]; column_configs?: ColumnConfig[] }
export interface MetricViewSource { identifier: string; description?: string[]; column_configs?: ColumnConfig[] }

export interface TextInstruction { id: string; content: string[] }

export interface ParameterDefaultValue { values: string[] }
export interface SqlParameter { name: string; type_hint?: string; description?: string[]; default_value?: ParameterDefaultValue }

export interface ExampleQuestionSql {
  id: string;
  question: string[];
  sql: string[];
  parameters?: SqlParameter[];
  usage_guidance?: string[];
}

export interface SqlFunction { id: string; identifier: string }

export interface JoinSide { identifier: string; alias?: string }

/** `sql` = condition lines, then the `--rt=FROM_RELATIONSHIP_TYPE_…--` marker when a relationship is set (§2.2). */
export interface JoinSpec {
  id: string;
  left: JoinSide;
  right: JoinSide;
  sql: string[];
  comment?: string[];
  instruction?: string[];
}

export interface SqlFilter {
  id: string; display_name: string; sql: string[];
  synonyms?: string[]; comment?: string[]; instruction?: string[];
}
export interface SqlExpression {
  id: string; alias: string; display_name?: string; sql: string[];
  synonyms?: string[]; comment?: string[]; instruction?: string[];
}
export type SqlMeasure = SqlExpression;

export interface SqlSnippets { filters?: SqlFilter[]; expressions?: SqlExpression[]; measures?: SqlMeasure[] }

export interface BenchmarkAnswer { format: string; content: string[] }
export interface BenchmarkQuestion { id: string; question: string[]; answer: BenchmarkAnswer[] }

export interface SpaceInstructions {
  text_instructions?: TextInstruction[];
  example_question_sqls?: ExampleQuestionSql[];
  sql_functions?: SqlFunction[];
  join_specs?: JoinSpec[];
  sql_snippets?: SqlSnippets;
}

/** The canonical v2 body. `data_sources` is always present (the server adds `{}`, §2.6). */
export interface SpaceDefinition {
  version: 2;
  config?: { sample_questions?: SampleQuestion[] };
  data_sources: { tables?: TableSource[]; metric_views?: MetricViewSource[] };
  instructions?: SpaceInstructions;
  benchmarks?: { questions?: BenchmarkQuestion[] };
}

export const RELATIONSHIP_TYPES = ["many_to_one", "one_to_many", "one_to_one", "many_to_many"] as const;
export type RelationshipType = (typeof RELATIONSHIP_TYPES)[number];

// ---------------------------------------------------------------------------
// zod schemas describing the canonical body and the friendly form for callers
// that want a zod schema (docs, editors, other tools). Validation itself uses the
// strict schema in shape.ts (wrong types and unknown keys, mapped to the reader's
// messages) and the rules in normalize.ts (ids, uniqueness, limits, …).
// ---------------------------------------------------------------------------

const text = z.array(z.string());
const hexId = z.string().regex(/^[0-9a-f]{32}$/);
const columnConfigSchema = z.object({
  column_name: z.string().min(1),
  description: text.optional(),
  synonyms: z.array(z.string()).optional(),
  exclude: z.boolean().optional(),
  enable_format_assistance: z.boolean().optional(),
  enable_entity_matching: z.boolean().optional(),
});
const dataSourceSchema = z.object({
  identifier: z.string().min(1),
  description: text.optional(),
  column_configs: z.array(columnConfigSchema).optional(),
});
const snippetBase = {
  id: hexId, sql: text, synonyms: z.array(z.string()).optional(),
  comment: text.optional(), instruction: text.optional(),
};

export const spaceDefinitionSchema = z.object({
  version: z.literal(2),
  config: z.object({ sample_questions: z.array(z.object({ id: hexId, question: text })).optional() }).optional(),
  data_sources: z.object({
    tables: z.array(dataSourceSchema).optional(),
    metric_views: z.array(dataSourceSchema).optional(),
  }),
  instructions: z.object({
    text_instructions: z.array(z.object({ id: hexId, content: text })).max(1).optional(),
    example_question_sqls: z.array(z.object({
      id: hexId, question: text, sql: text,
      parameters: z.array(z.object({
        name: z.string(), type_hint: z.string().optional(), description: text.optional(),
        default_value: z.object({ values: z.array(z.string()) }).optional(),
      })).optional(),
      usage_guidance: text.optional(),
    })).optional(),
    sql_functions: z.array(z.object({ id: hexId, identifier: z.string() })).optional(),
    join_specs: z.array(z.object({
      id: hexId,
      left: z.object({ identifier: z.string(), alias: z.string().optional() }),
      right: z.object({ identifier: z.string(), alias: z.string().optional() }),
      sql: text, comment: text.optional(), instruction: text.optional(),
    })).optional(),
    sql_snippets: z.object({
      filters: z.array(z.object({ ...snippetBase, display_name: z.string() })).optional(),
      expressions: z.array(z.object({ ...snippetBase, alias: z.string(), display_name: z.string().optional() })).optional(),
      measures: z.array(z.object({ ...snippetBase, alias: z.string(), display_name: z.string().optional() })).optional(),
    }).optional(),
  }).optional(),
  benchmarks: z.object({
    questions: z.array(z.object({
      id: hexId, question: text,
      answer: z.array(z.object({ format: z.literal("SQL"), content: text })).length(1),
    })).optional(),
  }).optional(),
});

// Friendly authoring form: a string wherever a list of strings is expected, ids optional.
const textIn = z.union([z.string(), z.array(z.string())]);
const optId = z.string().optional();
const columnConfigInput = z.object({
  column_name: z.string(),
  description: textIn.optional(),
  synonyms: textIn.optional(),
  exclude: z.boolean().optional(),
  enable_format_assistance: z.boolean().optional(),
  enable_entity_matching: z.boolean().optional(),
  /** v1 name of enable_format_assistance */
  get_example_values: z.boolean().optional(),
  /** v1 name of enable_entity_matching */
  build_value_dictionary: z.boolean().optional(),
});
const dataSourceInput = z.object({
  identifier: z.string(),
  description: textIn.optional(),
  column_configs: z.array(columnConfigInput).optional(),
});
const snippetInput = {
  id: optId, sql: textIn, synonyms: textIn.optional(),
  comment: textIn.optional(), instruction: textIn.optional(),
};
const defaultValueInput = z.union([
  z.object({ values: z.array(z.string()) }),
  z.object({ type: z.string().optional(), value: z.union([z.string(), z.number(), z.boolean()]) }),
  z.array(z.string()),
  z.string(),
]);
const sampleQuestionInput = z.union([z.string(), z.object({ id: optId, question: textIn })]);

export const spaceInputSchema = z.object({
  version: z.union([z.literal(1), z.literal(2)]).optional(),
  sample_questions: z.array(sampleQuestionInput).optional(),
  config: z.object({ sample_questions: z.array(sampleQuestionInput).optional() }).optional(),
  data_sources: z.object({
    tables: z.array(dataSourceInput).optional(),
    metric_views: z.array(dataSourceInput).optional(),
  }).optional(),
  instructions: z.object({
    text_instructions: z.array(z.union([z.string(), z.object({ id: optId, content: textIn.optional(), text: textIn.optional() })])).optional(),
    example_question_sqls: z.array(z.object({
      id: optId, question: textIn, sql: textIn,
      parameters: z.array(z.object({
        name: z.string(), type_hint: z.string().optional(), description: textIn.optional(),
        default_value: defaultValueInput.optional(),
      })).optional(),
      usage_guidance: textIn.optional(),
    })).optional(),
    sql_functions: z.array(z.union([z.string(), z.object({ id: optId, identifier: z.string() })])).optional(),
    join_specs: z.array(z.union([
      z.object({
        id: optId,
        left: z.object({ identifier: z.string(), alias: z.string().optional() }),
        right: z.object({ identifier: z.string(), alias: z.string().optional() }),
        sql: textIn,
        relationship: z.enum(RELATIONSHIP_TYPES).optional(),
        comment: textIn.optional(), instruction: textIn.optional(),
      }),
      z.object({
        id: optId, left_table: z.string(), right_table: z.string(), join_condition: z.string(),
        join_type: z.string().optional(), description: z.string().optional(),
      }),
    ])).optional(),
    sql_snippets: z.object({
      filters: z.array(z.object({ ...snippetInput, display_name: z.string() })).optional(),
      expressions: z.array(z.object({ ...snippetInput, alias: z.string(), display_name: z.string().optional() })).optional(),
      measures: z.array(z.object({ ...snippetInput, alias: z.string(), display_name: z.string().optional() })).optional(),
    }).optional(),
  }).optional(),
  benchmarks: z.object({
    questions: z.array(z.object({
      id: optId, question: textIn,
      answer: z.array(z.object({ format: z.string(), content: textIn })).optional(),
      expected_sql: textIn.optional(),
    })).optional(),
  }).optional(),
});

/** The friendly authoring form (see spaceInputSchema and the README section "Space files"). */
export type SpaceInput = z.input<typeof spaceInputSchema>;
