import { promises as fs } from "node:fs";
import { normalizeSpace } from "../../provider/lib/space";
import { shapeProblems } from "../../provider/lib/space/shape";
import { V2_FILE } from "../fixtures";

const T = "cat.sch.orders";
const EXAMPLE_V2 = V2_FILE;

/** Wrong types and unknown keys: zod finds them, with the reader's wording and the field path. */
const SHAPE_CASES: Array<[string, object, string, RegExp]> = [
  ["misspelled top-level key", { data_source: {} }, "data_source", /^unknown field "data_source": did you mean "data_sources"\?$/],
  ["unknown key without suggestion", { zzzzzzzz: 1 }, "zzzzzzzz", /allowed fields here are version, config, data_sources/],
  ["misspelled table key", { data_sources: { tables: [{ identifer: T }] } }, "data_sources.tables[0].identifer", /did you mean "identifier"/],
  ["misspelled snippet kind", { instructions: { sql_snippets: { filter: [] } } }, "instructions.sql_snippets.filter", /did you mean "filters"/],
  ["description on a function (native)", { instructions: { sql_functions: [{ identifier: "c.s.f", description: "d" }] } }, "instructions.sql_functions[0].description", /unknown field "description"/],
  ["tables not a list", { data_sources: { tables: "cat.sch.t" } }, "data_sources.tables", /^expected a list; got the string "cat.sch.t": write it as a YAML list/],
  ["number as text", { data_sources: { tables: [{ identifier: T, description: 42 }] } }, "data_sources.tables[0].description", /^expected text \(a string or a list of strings\); got the number 42: quote the value$/],
  ["number inside a text list", { config: { sample_questions: [{ question: ["a", 3] }] } }, "config.sample_questions[0].question[1]", /^expected a string; got the number 3: quote the value$/],
  ["toggle not a boolean", { data_sources: { tables: [{ identifier: T, column_configs: [{ column_name: "a", exclude: "yes" }] }] } }, "data_sources.tables[0].column_configs[0].exclude", /^expected true or false; got the string "yes"$/],
  ["numeric id", { config: { sample_questions: [{ id: 12, question: "q" }] } }, "config.sample_questions[0].id", /^expected a string id; got the number 12/],
  ["a number where a mapping or a string goes", { data_sources: { tables: [5] } }, "data_sources.tables[0]", /^expected a mapping with fields like identifier, description, column_configs; got the number 5$/],
  ["a list where a mapping goes", { instructions: [] }, "instructions", /^expected a mapping with fields like text_instructions/],
  ["a mapping as a synonym", { data_sources: { tables: [{ identifier: T, column_configs: [{ column_name: "a", synonyms: [{}] }] }] } }, "data_sources.tables[0].column_configs[0].synonyms[0]", /^expected a string; got a mapping$/],
  ["benchmark answer content not text", { benchmarks: { questions: [{ question: "q", answer: [{ format: "SQL", content: 1 }] }] } }, "benchmarks.questions[0].answer[0].content", /^expected text/],
];

describe("zod validates the shape of the friendly input", () => {
  it.each(SHAPE_CASES)("%s", (_what, input, path, message) => {
    const problems = shapeProblems(input, false);
    expect(problems.get(path)).toEqual([expect.stringMatching(message)]);
    // … and the reader reports exactly that problem
    expect(normalizeSpace(input).problems).toContainEqual({ path, message: expect.stringMatching(message) });
  });

  it("accepts the friendly forms: strings for lists and texts, null for absent, numbers as synonyms", () => {
    expect(shapeProblems({
      config: { sample_questions: ["What?", { question: ["Multi", "line"] }] },
      data_sources: { tables: [T, null, { identifier: T, description: null, column_configs: [{ column_name: "a", synonyms: "x" }, { column_name: "b", synonyms: [1, true] }] }] },
      instructions: { text_instructions: ["Be brief.", { text: "Forge key" }], sql_functions: ["c.s.f"] },
      benchmarks: { questions: [{ question: "q", expected_sql: "SELECT 1" }] },
    }, false).size).toBe(0);
  });

  it("accepts what the API returns (the v2 example)", async () => {
    expect(shapeProblems(JSON.parse(await fs.readFile(EXAMPLE_V2, "utf8")), false).size).toBe(0);
  });

  it("accepts the genie-forge extras only in genie-forge files, and the caller's metadata keys", () => {
    const input = { name: "s", instructions: { sql_functions: [{ identifier: "c.s.f", description: "local note" }] } };
    expect([...shapeProblems(input, true, ["name"]).keys()]).toEqual([]);
    expect([...shapeProblems(input, false, ["name"]).keys()]).toEqual(["instructions.sql_functions[0].description"]);
    expect([...shapeProblems(input, true).keys()]).toEqual(["name"]);
  });

  it("reports shape problems inside an item the rules skip, together with the rule problem", () => {
    const { problems } = normalizeSpace({ data_sources: { tables: [{ description: 42 }] } });
    expect(problems.map((p) => p.path)).toEqual(["data_sources.tables[0].identifier", "data_sources.tables[0].description"]);
  });

  it("reports each unknown key of a mapping once, each with its own suggestion", () => {
    const { problems } = normalizeSpace({ data_sources: { tables: [{ identifer: T, descripton: "d" }] } });
    expect(problems.filter((p) => p.message.startsWith("unknown field"))).toEqual([
      { path: "data_sources.tables[0].identifer", message: 'unknown field "identifer": did you mean "identifier"?' },
      { path: "data_sources.tables[0].descripton", message: 'unknown field "descripton": did you mean "description"?' },
    ]);
  });
});
