import fc from "fast-check";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  fromSerializedSpace, loadSpaceFiles, normalizeSpace, RELATIONSHIP_TYPES, spaceDefinitionSchema, toSerializedSpace, toSpaceYaml,
} from "../../provider/lib/space";

const chars = ["a", "b", "c", "Z", " ", "\n", "$", "{", "é", "?", "'", "`", "\t", "1"];
const text = fc.string({ unit: fc.constantFrom(...chars), minLength: 1, maxLength: 24 }).filter((s) => s.trim() !== "");
/** Texts that stay distinct after the whitespace normalization used for derived ids. */
const distinctTexts = (max: number) => fc.uniqueArray(text, { maxLength: max, selector: (s) => s.replace(/\s+/g, " ").trim() });
const name = fc.stringMatching(/^[a-z][a-z0-9_]{0,7}$/);
const hexId = fc.stringMatching(/^[0-9a-f]{32}$/);

/** Text given either as one string or as the API's array of pieces. */
const asInput = (s: string, pieces: boolean): string | string[] => (pieces ? s.split(/(?<=\n)/) : s);

const column = fc.record({
  column_name: name,
  description: fc.option(text, { nil: undefined }),
  synonyms: fc.option(fc.array(name, { maxLength: 3 }), { nil: undefined }),
  exclude: fc.option(fc.boolean(), { nil: undefined }),
  format: fc.boolean(),
  entity: fc.boolean(),
}, { requiredKeys: ["column_name", "format", "entity"] }).map(({ format, entity, ...c }) => ({
  ...c,
  // entity matching requires format assistance (docs/genie-api.md §2.2)
  ...(format || entity ? { enable_format_assistance: true } : {}),
  ...(entity ? { enable_entity_matching: entity } : {}),
}));

const spaceInput = fc.record({
  tableNames: fc.uniqueArray(name, { minLength: 1, maxLength: 6 }),
  columns: fc.array(fc.uniqueArray(column, { maxLength: 4, selector: (c) => c.column_name }), { minLength: 6, maxLength: 6 }),
  descriptions: fc.array(fc.option(text, { nil: undefined }), { minLength: 6, maxLength: 6 }),
  metricViews: fc.uniqueArray(name, { maxLength: 2 }),
  samples: distinctTexts(4),
  texts: fc.array(text, { maxLength: 3 }),
  examples: distinctTexts(4),
  sql: fc.array(text, { minLength: 4, maxLength: 4 }),
  functions: fc.uniqueArray(name, { maxLength: 3 }),
  joins: fc.array(fc.record({ l: fc.nat(5), r: fc.nat(5), rel: fc.option(fc.constantFrom(...RELATIONSHIP_TYPES), { nil: undefined }) }), { maxLength: 3 }),
  filters: distinctTexts(3),
  measures: fc.uniqueArray(name, { maxLength: 3 }),
  benchmarks: distinctTexts(3),
  explicitIds: fc.uniqueArray(hexId, { minLength: 30, maxLength: 30 }),
  useExplicit: fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }),
  pieces: fc.boolean(),
}).map((g) => {
  let next = 0;
  const id = () => { const i = next++; return g.useExplicit[i] ? { id: g.explicitIds[i] } : {}; };
  const tables = g.tableNames.map((t) => `cat.sch.${t}`);
  return {
    config: { sample_questions: g.samples.map((q, i) => (i % 2 ? q : { ...id(), question: asInput(q, g.pieces) })) },
    data_sources: {
      tables: tables.map((identifier, i) => ({
        identifier,
        ...(g.descriptions[i] ? { description: asInput(g.descriptions[i]!, g.pieces) } : {}),
        column_configs: g.columns[i],
      })),
      metric_views: g.metricViews.map((m) => `cat.sem.${m}`),
    },
    instructions: {
      text_instructions: g.texts.map((t) => ({ content: t })),
      example_question_sqls: g.examples.map((q, i) => ({
        ...id(), question: q, sql: asInput(g.sql[i], g.pieces),
        parameters: [{ name: "p", type_hint: "STRING", default_value: ["x"] }, { name: "a", default_value: { values: ["1", "2"] } }],
      })),
      sql_functions: g.functions.map((f) => `cat.udf.${f}`),
      join_specs: g.joins.map((j, i) => ({
        ...id(),
        left: { identifier: tables[j.l % tables.length], alias: `l${i}` },
        right: { identifier: tables[j.r % tables.length], alias: `r${i}` },
        sql: `l${i}.k = r${i}.k`,
        ...(j.rel ? { relationship: j.rel } : {}),
      })),
      sql_snippets: {
        filters: g.filters.map((f) => ({ display_name: f, sql: "x > 1" })),
        measures: g.measures.map((m) => ({ ...id(), alias: m, sql: `SUM(${m})`, synonyms: [m, "total"] })),
      },
    },
    benchmarks: { questions: g.benchmarks.map((q) => ({ question: q, expected_sql: "SELECT 1" })) },
  };
});

/** Deterministic shuffle driven by the generated seed. */
function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s ^ (s >>> 15), 2246822519) + 0x9e3779b9) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Shuffle every list whose order the API does not keep. Kept in order on purpose:
 * text_instructions (merged in order), parameters and synonyms (user order, §2.4), and text
 * given as pieces (one string split into an array, not a list).
 */
const ORDERED = ["text_instructions", "parameters", "synonyms", "values", "question", "sql", "content", "description"];
function shuffleLists(value: unknown, seed: number, key = ""): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v, i) => shuffleLists(v, seed + i + 1, key));
    return ORDERED.includes(key) ? items : shuffle(items, seed);
  }
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v], i) => [k, shuffleLists(v, seed * 31 + i, k)]));
  }
  return value;
}

describe("properties of the canonical form", () => {
  it("random valid definitions survive definition → body → definition → body unchanged", () => {
    fc.assert(fc.property(spaceInput, (input) => {
      const { definition, problems } = normalizeSpace(input);
      expect(problems).toEqual([]);
      const body = toSerializedSpace(definition!);
      expect(JSON.parse(body)).toEqual(definition);
      const again = fromSerializedSpace(body);
      expect(again).toEqual(definition);
      expect(toSerializedSpace(again)).toBe(body);
      expect(spaceDefinitionSchema.safeParse(again).success).toBe(true);
    }), { numRuns: 150 });
  });

  it("shuffling any list in the input never changes the body", () => {
    fc.assert(fc.property(spaceInput, fc.nat(), (input, seed) => {
      expect(toSerializedSpace(shuffleLists(input, seed) as never)).toBe(toSerializedSpace(input as never));
    }), { numRuns: 150 });
  });

  it("pretty-printing or re-ordering keys of the body never changes it", () => {
    fc.assert(fc.property(spaceInput, (input) => {
      const body = toSerializedSpace(input as never);
      const reorder = (v: unknown): unknown => Array.isArray(v) ? v.map(reorder)
        : v !== null && typeof v === "object" ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reorder(x)])) : v;
      expect(toSerializedSpace(fromSerializedSpace(JSON.stringify(reorder(JSON.parse(body)), null, 2) + "\n"))).toBe(body);
    }), { numRuns: 100 });
  });
});

describe("properties of the YAML writer", () => {
  let dir: string;
  beforeAll(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), "space-yaml-")); });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it("any valid definition written as YAML loads back to the same body", async () => {
    let n = 0;
    await fc.assert(fc.asyncProperty(spaceInput, fc.boolean(), async (input, templated) => {
      const definition = normalizeSpace(input).definition!;
      const variables = templated ? { catalog: "cat" } : undefined;
      const file = path.join(dir, `s${n++}.yaml`);
      await fs.writeFile(file, toSpaceYaml({ name: "s", title: "T ${x}", warehouseId: "wh", definition }, { variables }));
      const [loaded] = await loadSpaceFiles(file, { variables });
      expect(loaded.title).toBe("T ${x}");
      expect(toSerializedSpace(loaded.definition)).toBe(toSerializedSpace(definition));
    }), { numRuns: 60 });
  });
});
