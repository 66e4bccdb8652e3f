import { normalizeSpace, SpaceValidationError, toSerializedSpace } from "../../provider/lib/space";

const T = "cat.sch.orders";
const HEX = (n: number) => n.toString(16).padStart(32, "0");
const join = (extra: object) => ({ instructions: { join_specs: [{ left: { identifier: T, alias: "o" }, right: { identifier: "cat.sch.customers", alias: "c" }, sql: "o.cid = c.id", ...extra }] } });
const tables = (n: number) => Array.from({ length: n }, (_, i) => `cat.sch.t${String(i).padStart(3, "0")}`);
const examples = (n: number) => Array.from({ length: n }, (_, i) => ({ question: `Question ${i}?`, sql: `SELECT ${i}` }));
const measures = (n: number) => Array.from({ length: n }, (_, i) => ({ alias: `m${i}`, sql: `SUM(x${i})` }));

/** [what, input, expected path, expected message] — each definition must be rejected with that problem. */
const CORPUS: Array<[string, unknown, string, RegExp]> = [
  ["unparseable JSON string", "{not json", "", /not valid JSON/],
  ["a list instead of a body", [1, 2], "", /expected a space definition/],
  ["unsupported version", { version: 3 }, "version", /version must be 1 or 2/],
  ["misspelled top-level key", { data_source: {} }, "data_source", /did you mean "data_sources"/],
  ["unknown top-level key without suggestion", { zzzzzzzz: 1 }, "zzzzzzzz", /allowed fields here are/],
  ["misspelled table key", { data_sources: { tables: [{ identifer: T }] } }, "data_sources.tables[0].identifer", /did you mean "identifier"/],
  ["misspelled column key", { data_sources: { tables: [{ identifier: T, column_configs: [{ column_name: "a", synonym: "x" }] }] } }, "data_sources.tables[0].column_configs[0].synonym", /did you mean "synonyms"/],
  ["misspelled instructions key", { instructions: { example_question_sql: [] } }, "instructions.example_question_sql", /did you mean "example_question_sqls"/],
  ["tables not a list", { data_sources: { tables: "cat.sch.t" } }, "data_sources.tables", /expected a list/],
  ["table without identifier", { data_sources: { tables: [{ description: "d" }] } }, "data_sources.tables[0].identifier", /is required.*catalog\.schema\.table/],
  ["2-part table identifier", { data_sources: { tables: ["sch.orders"] } }, "data_sources.tables[0].identifier", /not a 3-part name/],
  ["empty identifier part", { data_sources: { tables: ["cat..orders"] } }, "data_sources.tables[0].identifier", /no empty part/],
  ["4-part identifier", { data_sources: { tables: ["a.b.c.d"] } }, "data_sources.tables[0].identifier", /not a 3-part name/],
  ["2-part metric view", { data_sources: { metric_views: [{ identifier: "sem.revenue" }] } }, "data_sources.metric_views[0].identifier", /catalog\.schema\.metric_view/],
  ["duplicate table", { data_sources: { tables: [T, T] } }, "data_sources.tables[1].identifier", /listed twice/],
  ["number as description", { data_sources: { tables: [{ identifier: T, description: 42 }] } }, "data_sources.tables[0].description", /expected text/],
  ["column without name", { data_sources: { tables: [{ identifier: T, column_configs: [{ synonyms: "x" }] }] } }, "data_sources.tables[0].column_configs[0].column_name", /is required/],
  ["duplicate column", { data_sources: { tables: [{ identifier: T, column_configs: [{ column_name: "a" }, { column_name: "a" }] }] } }, "data_sources.tables[0].column_configs[1].column_name", /configured twice/],
  ["toggle not a boolean", { data_sources: { tables: [{ identifier: T, column_configs: [{ column_name: "a", exclude: "yes" }] }] } }, "data_sources.tables[0].column_configs[0].exclude", /expected true or false/],
  ["entity matching without format assistance", { data_sources: { tables: [{ identifier: T, column_configs: [{ column_name: "a", enable_entity_matching: true }] }] } }, "data_sources.tables[0].column_configs[0].enable_entity_matching", /requires format assistance/],
  ["v1 entity matching without format assistance", { version: 1, data_sources: { tables: [{ identifier: T, column_configs: [{ column_name: "a", build_value_dictionary: true }] }] } }, "data_sources.tables[0].column_configs[0].build_value_dictionary", /requires format assistance/],
  ["empty sample question", { config: { sample_questions: [""] } }, "config.sample_questions[0]", /must not be empty/],
  ["sample question without text", { config: { sample_questions: [{ id: HEX(1) }] } }, "config.sample_questions[0].question", /is required/],
  ["uppercase hex id", { config: { sample_questions: [{ id: HEX(1).toUpperCase().replace(/0/g, "A"), question: "q" }] } }, "config.sample_questions[0].id", /32 lowercase hex/],
  ["id with dashes", { config: { sample_questions: [{ id: "0a1b2c3d-4e5f-4071-8293-a4b5c6d7e8f1", question: "q" }] } }, "config.sample_questions[0].id", /not a valid id/],
  ["numeric id", { config: { sample_questions: [{ id: 12, question: "q" }] } }, "config.sample_questions[0].id", /expected a string id/],
  ["duplicate sample question", { config: { sample_questions: ["Same?", "Same?"] } }, "config.sample_questions[1]", /duplicate sample question/],
  ["id reused across instruction lists", { instructions: { sql_functions: [{ id: HEX(7), identifier: "c.s.f" }], example_question_sqls: [{ id: HEX(7), question: "q", sql: "s" }] } }, "instructions.sql_functions[0].id", /already used by instructions\.example_question_sqls\[0\]/],
  ["id reused by a benchmark and a sample question", { config: { sample_questions: [{ id: HEX(9), question: "a" }] }, benchmarks: { questions: [{ id: HEX(9), question: "b", expected_sql: "SELECT 1" }] } }, "benchmarks.questions[0].id", /must be unique across the whole space/],
  ["example without sql", { instructions: { example_question_sqls: [{ question: "q" }] } }, "instructions.example_question_sqls[0].sql", /is required/],
  ["example without question", { instructions: { example_question_sqls: [{ sql: "SELECT 1" }] } }, "instructions.example_question_sqls[0].question", /is required/],
  ["parameter without name", { instructions: { example_question_sqls: [{ question: "q", sql: "s", parameters: [{ type_hint: "DATE" }] }] } }, "instructions.example_question_sqls[0].parameters[0].name", /is required/],
  ["duplicate parameter", { instructions: { example_question_sqls: [{ question: "q", sql: "s", parameters: [{ name: "a" }, { name: "a" }] }] } }, "instructions.example_question_sqls[0].parameters[1].name", /declared twice/],
  ["bad default_value shape", { instructions: { example_question_sqls: [{ question: "q", sql: "s", parameters: [{ name: "a", default_value: { default: 1 } }] }] } }, "instructions.example_question_sqls[0].parameters[0].default_value", /expected default_value/],
  ["2-part function", { instructions: { sql_functions: ["udfs.fq"] } }, "instructions.sql_functions[0].identifier", /catalog\.schema\.function/],
  ["description on a function (native files)", { instructions: { sql_functions: [{ identifier: "c.s.f", description: "d" }] } }, "instructions.sql_functions[0].description", /unknown field "description"/],
  ["join without condition", join({ sql: "" }), "instructions.join_specs[0].sql", /join condition is missing/],
  ["join with only a relationship line", join({ sql: ["--rt=FROM_RELATIONSHIP_TYPE_MANY_TO_ONE--"] }), "instructions.join_specs[0].sql", /join condition is missing/],
  ["join without right side", { instructions: { join_specs: [{ left: { identifier: T }, sql: "a = b" }] } }, "instructions.join_specs[0].right", /is required/],
  ["join on a table not in data_sources", { data_sources: { tables: [T] }, instructions: { join_specs: [{ left: { identifier: T }, right: { identifier: "cat.sch.customers" }, sql: "a = b" }] } }, "instructions.join_specs[0].right.identifier", /^"cat\.sch\.customers" is not in data_sources: a join can only use the space's tables and metric views; add it to data_sources\.tables, or fix the name$/],
  ["join on a misspelled table", { data_sources: { tables: [T, "cat.sch.customers"] } , instructions: { join_specs: [{ left: { identifier: "cat.sch.orderz" }, right: { identifier: "cat.sch.customers" }, sql: "a = b" }] } }, "instructions.join_specs[0].left.identifier", /did you mean "cat\.sch\.orders"\?$/],
  ["join side 2-part", join({ left: { identifier: "sch.orders" } }), "instructions.join_specs[0].left.identifier", /not a 3-part name/],
  ["invalid relationship field", join({ relationship: "many_to_few" }), "instructions.join_specs[0].relationship", /use one of many_to_one/],
  ["invalid --rt line", join({ sql: ["o.cid = c.id", "--rt=FROM_RELATIONSHIP_TYPE_SIDEWAYS--"] }), "instructions.join_specs[0].sql", /relationship "SIDEWAYS" is not valid/],
  ["relationship disagrees with --rt line", join({ sql: ["o.cid = c.id", "--rt=FROM_RELATIONSHIP_TYPE_ONE_TO_ONE--"], relationship: "many_to_one" }), "instructions.join_specs[0].relationship", /disagrees/],
  ["legacy join with a join_type Genie has not", { instructions: { join_specs: [{ left_table: T, right_table: "cat.sch.c", join_condition: "a = b", join_type: "LEFT" }] } }, "instructions.join_specs[0].join_type", /^join_type LEFT is a SQL join kind, which the Genie API cannot store/],
  ["filter without display_name", { instructions: { sql_snippets: { filters: [{ sql: "x > 1" }] } } }, "instructions.sql_snippets.filters[0].display_name", /is required/],
  ["measure without alias", { instructions: { sql_snippets: { measures: [{ display_name: "Revenue", sql: "SUM(x)" }] } } }, "instructions.sql_snippets.measures[0].alias", /is required/],
  ["expression without sql", { instructions: { sql_snippets: { expressions: [{ alias: "m" }] } } }, "instructions.sql_snippets.expressions[0].sql", /is required/],
  ["misspelled snippet kind", { instructions: { sql_snippets: { filter: [] } } }, "instructions.sql_snippets.filter", /did you mean "filters"/],
  ["benchmark without answer", { benchmarks: { questions: [{ question: "q" }] } }, "benchmarks.questions[0]", /exactly one SQL answer/],
  ["benchmark with two answers", { benchmarks: { questions: [{ question: "q", answer: [{ format: "SQL", content: ["a"] }, { format: "SQL", content: ["b"] }] }] } }, "benchmarks.questions[0].answer", /exactly one SQL answer \(got 2\)/],
  ["benchmark answer not SQL", { benchmarks: { questions: [{ question: "q", answer: [{ format: "INSTRUCTIONS", content: ["a"] }] }] } }, "benchmarks.questions[0].answer[0].format", /must be "SQL"/],
  ["benchmark with answer and expected_sql", { benchmarks: { questions: [{ question: "q", expected_sql: "a", answer: [] }] } }, "benchmarks.questions[0].expected_sql", /keep only one/],
  ["31 data sources", { data_sources: { tables: tables(31) } }, "data_sources", /31 tables and metric views, the limit is 30/],
  ["30 tables and a metric view", { data_sources: { tables: tables(30), metric_views: ["cat.sem.mv"] } }, "data_sources", /limit is 30/],
  ["101 instructions", { instructions: { example_question_sqls: examples(100), text_instructions: ["Be brief."] } }, "instructions", /too many instructions: 101.*limit is 100/],
  ["201 snippets", { data_sources: { tables: [{ identifier: T, description: "d" }] }, instructions: { sql_snippets: { measures: measures(200) } } }, "", /201 .*limit is 200/],
];

describe("invalid definitions are rejected with the expected path and message", () => {
  it("the corpus is large enough", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(40);
  });

  it.each(CORPUS)("%s", (_what, input, path, message) => {
    const { definition, problems } = normalizeSpace(input);
    expect(definition).toBeUndefined();
    expect(problems).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(() => toSerializedSpace(input as never)).toThrow(SpaceValidationError);
  });
});

describe("limits are inclusive", () => {
  it("accepts exactly 30 data sources, 100 instructions and 200 snippets", () => {
    const input = {
      data_sources: { tables: tables(30) },
      instructions: { example_question_sqls: examples(99), text_instructions: ["Be brief."], sql_snippets: { measures: measures(200) } },
    };
    expect(normalizeSpace(input).problems).toEqual([]);
  });
});

describe("all problems are reported together", () => {
  it("every problem of the input, not just the first", () => {
    const { problems } = normalizeSpace({
      data_sources: { tables: ["a.b", { identifer: "x" }] },
      instructions: { join_specs: [{ left: "a.b.c", right: "a.b.d", sql: "" }] },
      benchmarks: { questions: [{ question: "q" }] },
    });
    expect(problems.map((p) => p.path)).toEqual([
      "data_sources.tables[0].identifier",
      "data_sources.tables[1].identifer",
      "data_sources.tables[1].identifier",
      "instructions.join_specs[0].left.identifier",
      "instructions.join_specs[0].right.identifier",
      "instructions.join_specs[0].sql",
      "benchmarks.questions[0]",
    ]);
  });
});
