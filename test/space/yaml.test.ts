/**
 * How space files are read as YAML: YAML 1.2 (core schema) scalars, block scalars, anchors, line
 * endings, and syntax errors with their position — asserted through loadSpaceFiles, with the
 * values a user gets in the definition.
 */
import * as path from "node:path";
import { loadSpaceFiles } from "../../provider/lib/space";
import { loadError, useTempDir, writeIn } from "./helpers";

const tempDir = useTempDir("space-yaml-");

async function load(text: string) {
  const [space] = await loadSpaceFiles(await writeIn(tempDir(), "s.yaml", text));
  return space;
}

async function problems(text: string) {
  return (await loadError(await writeIn(tempDir(), "bad.yaml", text))).problems;
}

const HEAD = "name: s\ntitle: T\nwarehouse_id: wh\ndata_sources:\n  tables: [a.b.c]\n";

/** [scalar as written, the string the API receives] — YAML 1.1 readings (yes → true, dates, sexagesimals, 0b, _) never apply. */
const SCALARS: Array<[string, string]> = [
  ["2026-01-01", "2026-01-01"], ["2026-01-01T10:00:00Z", "2026-01-01T10:00:00Z"], ["12:30:00", "12:30:00"],
  ["yes", "yes"], ["no", "no"], ["on", "on"], ["off", "off"], ["y", "y"], ["n", "n"], ["tRUE", "tRUE"],
  ["True", "true"], ["FALSE", "false"],
  ["0b101", "0b101"], ["1_000", "1_000"], ["1.2.3", "1.2.3"],
  ["010", "10"], ["0o17", "15"], ["0x1F", "31"], ["+12", "12"], ["-7", "-7"], ["1.50", "1.5"], ["1e3", "1000"], [".5", "0.5"],
  ["'010'", "010"], ['"yes"', "yes"],
];

describe("scalars are read as YAML 1.2 (core schema)", () => {
  it.each(SCALARS)("default_value: %s → %p", async (written, expected) => {
    const space = await load(`${HEAD}instructions:\n  example_question_sqls:\n    - question: q\n      sql: SELECT :p\n      parameters: [{name: p, default_value: ${written}}]\n`);
    expect(space.definition.instructions!.example_question_sqls![0].parameters![0].default_value).toEqual({ values: [expected] });
  });

  it("synonyms that look like numbers or booleans stay text", async () => {
    const space = await load(`name: s\ntitle: T\nwarehouse_id: wh\ndata_sources:\n  tables:\n    - identifier: a.b.c\n      column_configs: [{column_name: x, synonyms: [yes, 010, true, 2026-01-01]}]\n`);
    expect(space.definition.data_sources.tables![0].column_configs![0].synonyms).toEqual(["yes", "10", "true", "2026-01-01"]);
  });
});

describe("documents", () => {
  it("block scalars keep, fold and strip newlines as YAML says", async () => {
    const space = await load([
      HEAD.trimEnd(),
      "instructions:",
      "  text_instructions:",
      "    - |",
      "      one",
      "      two",
      "    - >",
      "      folded",
      "      text",
      "",
      "    - |-",
      "      stripped",
      "benchmarks:",
      "  questions:",
      "    - question: |+",
      "        kept",
      "",
      "      expected_sql: SELECT 1",
    ].join("\n") + "\n");
    expect(space.definition.instructions!.text_instructions![0].content.join("")).toBe("one\ntwo\nfolded text\nstripped");
    expect(space.definition.benchmarks!.questions![0].question).toEqual(["kept\n", "\n"]);
  });

  it("anchors and aliases repeat a value; a merge key (<<) is a plain key in YAML 1.2", async () => {
    const space = await load(`${HEAD}description: &d "Same text"\nconfig:\n  sample_questions: [*d]\n`);
    expect(space.definition.config!.sample_questions![0].question).toEqual(["Same text"]);
    const found = await problems(`${HEAD}config: &c {sample_questions: [q]}\ninstructions:\n  <<: *c\n`);
    expect(found).toEqual([expect.objectContaining({ line: 8, path: "instructions.<<", message: expect.stringMatching(/^unknown field "<<"/) })]);
  });

  it("CRLF line endings, comments and document markers", async () => {
    const space = await load("---\r\n# a comment\r\nname: s # trailing\r\ntitle: T\r\nwarehouse_id: wh\r\ndata_sources:\r\n  tables:\r\n    - a.b.c\r\n...\r\n");
    expect(space).toMatchObject({ name: "s", title: "T", definition: { data_sources: { tables: [{ identifier: "a.b.c" }] } } });
  });

  it("flow mappings, quoting and escapes", async () => {
    const space = await load(`${HEAD}instructions:\n  join_specs:\n    - {left: {identifier: "a.b.c", alias: l}, right: {identifier: 'a.b.c', alias: r}, sql: "\`l\`.\`id\` = \`r\`.\`id\` -- it's \\u00e9\\tok"}\n`);
    expect(space.definition.instructions!.join_specs![0].sql).toEqual(["`l`.`id` = `r`.`id` -- it's é\tok"]);
  });
});

describe("syntax errors are reported with their position, never thrown", () => {
  it.each([
    ["an unclosed flow list (reported where the file ends)", "name: s\ntitle: [unclosed\n", 3],
    ["a mapping inside a plain value", "name: s\ntitle: a: b\n", 2],
    ["a tab as indentation", "name: s\ndata_sources:\n\ttables: []\n", 3],
  ])("%s", async (_what, text, line) => {
    const [problem, ...rest] = await problems(text);
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({ file: path.join(tempDir(), "bad.yaml"), line, path: "" });
    expect(problem.message).toMatch(/: fix the YAML syntax$/);
  });

  it("a key given twice in one mapping names both lines", async () => {
    expect(await problems("name: s\ntitle: A\nwarehouse_id: wh\ntitle: B\n")).toEqual([{
      file: path.join(tempDir(), "bad.yaml"), line: 4, col: 1, path: "",
      message: 'duplicate key "title" (also on line 2): a mapping has each key once; merge the two, or rename one',
    }]);
  });
});
