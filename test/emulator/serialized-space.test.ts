import {
  acceptSerializedSpace,
  normalizeSpaceDocument,
  reserializeForMigration,
  validateSerializedSpace,
} from "../../provider/tools/emulator/serialized-space";
import { ApiError } from "../../provider/tools/emulator/api-error";
import { hexId, v1Example, v2Example, V1_TEXT, V2_TEXT } from "./helpers";

/** The message of the 400 the server would answer with, or undefined when accepted. */
function rejection(doc: unknown, optionalRules = false): string | undefined {
  const text = typeof doc === "string" ? doc : JSON.stringify(doc);
  try {
    validateSerializedSpace(text, { optionalRules });
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(400);
    expect((e as ApiError).errorCode).toBe("INVALID_PARAMETER_VALUE");
    return (e as ApiError).message;
  }
}

const strictAccept = (doc: unknown) => acceptSerializedSpace(JSON.stringify(doc), true);

describe("strict validation", () => {
  test("the v1 and v2 example payloads are accepted", () => {
    expect(rejection(V2_TEXT)).toBeUndefined();
    expect(rejection(V1_TEXT)).toBeUndefined();
    expect(rejection(V2_TEXT, true)).toBeUndefined();
  });

  test("text that is not JSON → Invalid JSON in field 'serialized_space'", () => {
    expect(rejection("{version: 2")).toMatch(/^Invalid JSON in field 'serialized_space': /);
  });

  test("JSON that is not an object → Expected 'START_OBJECT'", () => {
    expect(rejection('"hello"')).toBe(
      "Invalid JSON in field 'serialized_space': Expected 'START_OBJECT' not 'VALUE_STRING' (line 1)",
    );
  });

  test.each([
    [{ version: 3 }, "3"],
    [{}, "0"],
    [{ version: 2.5 }, "2.5"],
  ])("version outside {1,2} → ExportConverter message (%j)", (doc, shown) => {
    expect(rejection(doc)).toBe(`Invalid export proto: ExportConverter supports versions 1 and 2, but got ${shown}`);
  });

  test("unknown keys are rejected, including id on tables and v1 toggle names in v2", () => {
    expect(rejection({ version: 2, extra: 1 })).toMatch(/^Unknown field 'extra'/);
    const withTableId = v2Example();
    withTableId.data_sources.tables[0].id = hexId(99);
    expect(rejection(withTableId)).toMatch(/^Unknown field 'id'/);
    const v1Toggle = v2Example();
    v1Toggle.data_sources.tables[0].column_configs[0].get_example_values = true;
    expect(rejection(v1Toggle)).toMatch(/^Unknown field 'get_example_values'/);
    const v2InV1 = v1Example();
    v2InV1.instructions.sql_snippets = {};
    expect(rejection(v2InV1)).toMatch(/^Unknown field 'sql_snippets'/);
  });

  test.each([
    ["description", (d: any) => (d.data_sources.tables[0].description = "One row per customer.")],
    ["question", (d: any) => (d.config.sample_questions[0].question = "What?")],
    ["sql", (d: any) => (d.instructions.example_question_sqls[0].sql = "SELECT 1")],
    ["content", (d: any) => (d.instructions.text_instructions[0].content = "text")],
    ["synonyms", (d: any) => (d.data_sources.tables[0].column_configs[0].synonyms = "segment")],
    ["content", (d: any) => (d.benchmarks.questions[0].answer[0].content = "SELECT 1")],
  ])("a text field given as a string → Expected an array for %s", (field, mutate) => {
    const doc = v2Example();
    mutate(doc);
    expect(rejection(doc)).toMatch(new RegExp(`^Expected an array for ${field} `));
  });

  test("plain string and boolean fields are type-checked", () => {
    const doc = v2Example();
    doc.data_sources.tables[0].identifier = ["retail.gold.customers"];
    expect(rejection(doc)).toMatch(/^Expected a string for identifier/);
    const toggle = v2Example();
    toggle.data_sources.tables[0].column_configs[1].exclude = "yes";
    expect(rejection(toggle)).toMatch(/^Expected a boolean for exclude/);
  });

  test.each([
    ["sample_question", (d: any) => (d.config.sample_questions[0].id = "0A1B2C3D4E5F40718293A4B5C6D7E8F1")],
    ["text_instruction", (d: any) => delete d.instructions.text_instructions[0].id],
    ["example_question_sql", (d: any) => (d.instructions.example_question_sqls[0].id = "2a6c1e0d-9b8f-47a3-a1e2-d3c4b5a69781")],
    ["join_spec", (d: any) => (d.instructions.join_specs[0].id = "")],
    ["measure", (d: any) => (d.instructions.sql_snippets.measures[0].id = "7f4b6d8f0a2c44a6b8d0f2a4c6e8b07g")],
  ])("a bad %s id → '<kind>.id must be provided and non-empty. …'", (kind, mutate) => {
    const doc = v2Example();
    mutate(doc);
    expect(rejection(doc)).toBe(
      `${kind}.id must be provided and non-empty. Expected lowercase 32-hex UUID without hyphens.`,
    );
  });

  test("ids must be unique across all lists", () => {
    const doc = v2Example();
    doc.instructions.sql_functions[0].id = doc.config.sample_questions[0].id;
    expect(rejection(doc)).toMatch(/^Duplicate id '19c1c305700441a89e081d74aeae29cb'/);
  });

  test.each([
    ["Invalid export proto: data_sources.tables must be sorted by identifier", (d: any) => d.data_sources.tables.reverse()],
    [
      "Invalid export proto: data_sources.metric_views must be sorted by identifier",
      (d: any) => d.data_sources.metric_views.unshift({ identifier: "retail.zzz.metrics" }),
    ],
    [
      "Invalid export proto: column_configs must be sorted by column_name",
      (d: any) => d.data_sources.tables[0].column_configs.reverse(),
    ],
    ["instructions.example_question_sqls must be sorted by id", (d: any) => d.instructions.example_question_sqls.reverse()],
    ["instructions.sql_snippets.measures must be sorted by id", (d: any) => d.instructions.sql_snippets.measures.reverse()],
  ])("unsorted lists are rejected: %s", (message, mutate) => {
    const doc = v2Example();
    mutate(doc);
    expect(rejection(doc)).toBe(message);
  });

  test("unsorted sample_questions are accepted and silently re-sorted by id", () => {
    const doc = v2Example();
    doc.config.sample_questions.reverse();
    expect(rejection(doc)).toBeUndefined();
    const stored = JSON.parse(strictAccept(doc));
    expect(stored.config.sample_questions.map((q: any) => q.id)).toEqual([
      "19c1c305700441a89e081d74aeae29cb",
      "fbb317f0f9384f749d398ec7c5044d75",
    ]);
  });

  test("more than one text instruction → at most one item", () => {
    const doc = v2Example();
    doc.instructions.text_instructions.push({ id: "1f0b37c378e1c91a0b1c2d3e4f5a6b71", content: ["more"] });
    expect(rejection(doc)).toBe("instructions.text_instructions must contain at most one item");
  });

  test("limits: 30 tables+views, 50 sql_functions, 50 benchmarks, 100 instructions, 200 snippets", () => {
    const tables = (n: number) => Array.from({ length: n }, (_, i) => ({ identifier: `c.s.t${String(i).padStart(3, "0")}` }));
    expect(rejection({ version: 2, data_sources: { tables: tables(30) } })).toBeUndefined();
    expect(rejection({ version: 2, data_sources: { tables: tables(31) } })).toMatch(/Exceeded maximum number \(30\)/);

    const fns = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: hexId(from + i + 1), identifier: `c.s.f${i}` }));
    expect(rejection({ version: 2, instructions: { sql_functions: fns(50) } })).toBeUndefined();
    expect(rejection({ version: 2, instructions: { sql_functions: fns(51) } })).toMatch(/^Exceeded maximum number \(50\)/);

    const questions = (n: number) => Array.from({ length: n }, (_, i) => ({ id: hexId(1000 + i), question: ["q"] }));
    expect(rejection({ version: 2, benchmarks: { questions: questions(51) } })).toMatch(/^Exceeded maximum number \(50\)/);

    const sqls = (n: number) => Array.from({ length: n }, (_, i) => ({ id: hexId(2000 + i), question: ["q"], sql: ["SELECT 1"] }));
    const text = [{ id: hexId(1), content: ["x"] }];
    expect(rejection({ version: 2, instructions: { text_instructions: text, example_question_sqls: sqls(99) } })).toBeUndefined();
    expect(rejection({ version: 2, instructions: { text_instructions: text, example_question_sqls: sqls(100) } })).toMatch(
      /^Exceeded maximum number \(100\)/,
    );

    const filters = (n: number) => Array.from({ length: n }, (_, i) => ({ id: hexId(5000 + i), sql: ["a > 1"], display_name: "f" }));
    expect(rejection({ version: 2, instructions: { sql_snippets: { filters: filters(200) } } })).toBeUndefined();
    const withDescription = { version: 2, data_sources: { tables: [{ identifier: "c.s.t", description: ["d"] }] }, instructions: { sql_snippets: { filters: filters(200) } } };
    expect(rejection(withDescription)).toMatch(/^Exceeded maximum number \(200\)/);
  });

  test("optional rules: --rt marker, entity matching needs format assistance, 3-part identifiers", () => {
    const noMarker = v2Example();
    noMarker.instructions.join_specs[0].sql = ["`orders`.`customer_id` = `customers`.`customer_id`"];
    expect(rejection(noMarker)).toBeUndefined();
    expect(rejection(noMarker, true)).toMatch(/--rt=FROM_RELATIONSHIP_TYPE_/);

    const entity = v2Example();
    delete entity.data_sources.tables[0].column_configs[0].enable_format_assistance;
    expect(rejection(entity, true)).toMatch(/^enable_entity_matching requires enable_format_assistance/);

    const twoPart = v2Example();
    twoPart.data_sources.metric_views[0].identifier = "semantic.revenue";
    expect(rejection(twoPart, true)).toMatch(/three-part name/);
  });
});

describe("normalization", () => {
  test("output is pretty-printed with 2-space indent and a trailing newline, keys in canonical order", () => {
    const doc = v2Example();
    const scrambled = { benchmarks: doc.benchmarks, instructions: doc.instructions, data_sources: doc.data_sources, config: doc.config, version: 2 };
    const text = strictAccept(scrambled);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.startsWith('{\n  "version": 2,\n  "config": {\n    "sample_questions": [')).toBe(true);
    expect(Object.keys(JSON.parse(text))).toEqual(["version", "config", "data_sources", "instructions", "benchmarks"]);
    expect(Object.keys(JSON.parse(text).instructions)).toEqual([
      "text_instructions",
      "example_question_sqls",
      "sql_functions",
      "join_specs",
      "sql_snippets",
    ]);
    expect(JSON.parse(text)).toEqual(doc);
  });

  test("empty lists/objects/strings and false toggles are dropped; data_sources is kept", () => {
    const text = strictAccept({
      version: 2,
      config: { sample_questions: [] },
      instructions: {
        sql_functions: [],
        sql_snippets: { filters: [{ id: hexId(1), sql: ["a > 1"], display_name: "", synonyms: [] }] },
      },
      benchmarks: {},
      data_sources: { tables: [{ identifier: "c.s.t", column_configs: [{ column_name: "a", exclude: false, enable_format_assistance: false }] }] },
    });
    expect(JSON.parse(text)).toEqual({
      version: 2,
      data_sources: { tables: [{ identifier: "c.s.t", column_configs: [{ column_name: "a" }] }] },
      instructions: { sql_snippets: { filters: [{ id: hexId(1), sql: ["a > 1"] }] } },
    });
    expect(JSON.parse(strictAccept({ version: 2 }))).toEqual({ version: 2, data_sources: {} });
  });

  test("v1 is upgraded: version 2, toggles renamed, parameters and synonyms keep their order", () => {
    const stored = JSON.parse(strictAccept(v1Example()));
    expect(stored.version).toBe(2);
    expect(stored.data_sources.tables[0].column_configs).toEqual([
      { column_name: "carrier", description: ["Carrier code"], synonyms: ["shipper", "courier"], enable_format_assistance: true, enable_entity_matching: true },
      { column_name: "dispatched_on", enable_format_assistance: true },
      { column_name: "recipient_email", exclude: true },
    ]);
    expect(stored.instructions.example_question_sqls[0].parameters.map((p: any) => p.name)).toEqual(["first_day", "last_day"]);
  });

  test("normalizing is idempotent", () => {
    for (const source of [v1Example(), v2Example()]) {
      const once = strictAccept(source);
      expect(acceptSerializedSpace(once, true)).toBe(once);
    }
  });

  test("lenient mode stores non-JSON verbatim and keeps unknown keys", () => {
    expect(acceptSerializedSpace("not json at all", false)).toBe("not json at all");
    const stored = JSON.parse(acceptSerializedSpace(JSON.stringify({ version: 7, custom: { a: 1 } }), false));
    expect(stored).toEqual({ version: 7, data_sources: {}, custom: { a: 1 } });
  });

  test("migration re-serialization changes the bytes, not the meaning", () => {
    const canonical = strictAccept(v2Example());
    const migrated = reserializeForMigration(canonical);
    expect(migrated).not.toBe(canonical);
    expect(JSON.parse(migrated)).toEqual(JSON.parse(canonical));
    expect(JSON.stringify(normalizeSpaceDocument(JSON.parse(migrated)))).toBe(JSON.stringify(JSON.parse(canonical)));
  });
});
