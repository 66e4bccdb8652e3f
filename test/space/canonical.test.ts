import {
  compareSpaces, fromSerializedSpace, normalizeSpace, spaceDefinitionSchema, SpaceValidationError, toSerializedSpace,
} from "../../provider/lib/space";
import { V1_TEXT, V2_TEXT } from "../fixtures";

const V2 = V2_TEXT;
const V1 = V1_TEXT;

describe("the v2 example", () => {
  it("round-trips: from → to → from is stable and nothing differs", () => {
    const first = fromSerializedSpace(V2);
    const body = toSerializedSpace(first);
    const second = fromSerializedSpace(body);
    expect(second).toEqual(first);
    expect(toSerializedSpace(second)).toBe(body);
    expect(compareSpaces(V2, body)).toEqual([]);
  });

  it("is already canonical: serializing keeps every value of the example", () => {
    expect(JSON.parse(toSerializedSpace(fromSerializedSpace(V2)))).toEqual(JSON.parse(V2));
  });

  it("canonical output is compact JSON with keys in the canonical order", () => {
    const body = toSerializedSpace(fromSerializedSpace(V2));
    expect(body).not.toMatch(/\n|": /);
    expect(Object.keys(JSON.parse(body))).toEqual(["version", "config", "data_sources", "instructions", "benchmarks"]);
    expect(Object.keys(JSON.parse(body).instructions)).toEqual(["text_instructions", "example_question_sqls", "sql_functions", "join_specs", "sql_snippets"]);
  });

  it("matches the exported zod schema", () => {
    expect(spaceDefinitionSchema.safeParse(fromSerializedSpace(V2)).success).toBe(true);
  });
});

describe("v1 bodies", () => {
  it("upgrade to v2: version 2 and the v1 toggle names renamed", () => {
    const d = fromSerializedSpace(V1);
    expect(d.version).toBe(2);
    expect(d.data_sources.tables![0].column_configs).toEqual([
      { column_name: "carrier", description: ["Carrier code"], synonyms: ["shipper", "courier"], enable_format_assistance: true, enable_entity_matching: true },
      { column_name: "dispatched_on", enable_format_assistance: true },
      { column_name: "recipient_email", exclude: true },
    ]);
    expect(JSON.stringify(d)).not.toMatch(/get_example_values|build_value_dictionary/);
  });

  it("compare equal to the v2 body the server would return for them", () => {
    const served = JSON.stringify(JSON.parse(toSerializedSpace(fromSerializedSpace(V1))), null, 2) + "\n";
    expect(compareSpaces(V1, served)).toEqual([]);
  });

  it("{version: 1} compares equal to the server's {version: 2, data_sources: {}}", () => {
    expect(compareSpaces('{"version":1}', '{\n  "version": 2,\n  "data_sources": {}\n}\n')).toEqual([]);
    expect(toSerializedSpace({ version: 1 } as never)).toBe('{"version":2,"data_sources":{}}');
  });
});

describe("compareSpaces ignores server rewrites", () => {
  const base = JSON.parse(V2);

  function rewritten(mutate: (b: any) => void): string {
    const copy = JSON.parse(V2);
    mutate(copy);
    return JSON.stringify(copy);
  }

  it("key order and whitespace", () => {
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(base).reverse()), null, 4) + "\n";
    expect(compareSpaces(V2, reordered)).toEqual([]);
  });

  it("line splitting of text arrays", () => {
    expect(compareSpaces(V2, rewritten((b) => {
      const ex = b.instructions.example_question_sqls[0];
      ex.sql = [ex.sql.join("")];
      b.instructions.text_instructions[0].content = b.instructions.text_instructions[0].content.join("").split(/(?<=\s)/);
    }))).toEqual([]);
  });

  it("re-sorting of every sorted list", () => {
    expect(compareSpaces(V2, rewritten((b) => {
      b.config.sample_questions.reverse();
      b.data_sources.tables.reverse();
      b.data_sources.tables[0].column_configs.reverse();
      b.instructions.example_question_sqls.reverse();
      b.instructions.sql_snippets.measures.reverse();
    }))).toEqual([]);
  });

  it("omitted false toggles and empty lists", () => {
    expect(compareSpaces(V2, rewritten((b) => {
      b.data_sources.tables[0].column_configs[2].exclude = false;
      b.data_sources.tables[0].column_configs[2].enable_entity_matching = false;
      b.data_sources.tables[1].description.push("");
      b.instructions.example_question_sqls.find((e: any) => !e.usage_guidance).usage_guidance = [];
      b.benchmarks.questions[0].answer[0].content.push("");
    }))).toEqual([]);
  });

  it("v1 toggle names in a v2 body", () => {
    expect(compareSpaces(V2, rewritten((b) => {
      const col = b.data_sources.tables[1].column_configs[2];
      delete col.enable_format_assistance;
      col.get_example_values = true;
    }))).toEqual([]);
  });
});

describe("compareSpaces reports real changes with the field path", () => {
  const changed = (mutate: (b: any) => void) => {
    const copy = JSON.parse(V2);
    mutate(copy);
    return compareSpaces(V2, JSON.stringify(copy));
  };

  it("a changed description (before = desired, after = remote)", () => {
    expect(changed((b) => { b.data_sources.tables[1].description = ["Changed in the UI."]; })).toEqual([
      { path: 'data_sources.tables["retail.gold.orders"].description', before: "One row per checkout. Amounts are EUR without VAT.", after: "Changed in the UI." },
    ]);
  });

  it("a toggled column flag", () => {
    expect(changed((b) => { b.data_sources.tables[0].column_configs[1].exclude = false; })).toEqual([
      { path: 'data_sources.tables["retail.gold.customers"].column_configs["phone_number"].exclude', before: true, after: undefined },
    ]);
  });

  it("an added and a removed item", () => {
    const diff = changed((b) => {
      b.instructions.sql_functions = [];
      b.config.sample_questions.push({ id: "00c0ffee00c0ffee00c0ffee00c0ffee", question: ["New?"] });
    });
    expect(diff).toEqual([
      { path: 'config.sample_questions["00c0ffee00c0ffee00c0ffee00c0ffee"]', before: undefined, after: { id: "00c0ffee00c0ffee00c0ffee00c0ffee", question: ["New?"] } },
      { path: "instructions.sql_functions", before: [{ id: "c5465264c1c644199d3a803a5fdd6ee2", identifier: "retail.udfs.retail_week" }], after: undefined },
    ]);
  });

  it("a changed join relationship and synonym order", () => {
    const diff = changed((b) => {
      b.instructions.join_specs[0].sql[1] = "--rt=FROM_RELATIONSHIP_TYPE_ONE_TO_ONE--";
      b.data_sources.tables[0].column_configs[0].synonyms.reverse();
    });
    expect(diff.map((d) => d.path)).toEqual([
      'data_sources.tables["retail.gold.customers"].column_configs["loyalty_tier"].synonyms',
      'instructions.join_specs["408b50dc0ccc47cab5564b6cefd03ffd"].sql',
    ]);
  });

  it("a reordering of parameters (user order is meaningful)", () => {
    const diff = changed((b) => { b.instructions.example_question_sqls[0].parameters.reverse(); });
    expect(diff).toEqual([{
      path: 'instructions.example_question_sqls["19f3ced8d0e44108b3fe60a01b91cae0"].parameters(order)',
      before: ["from_date", "to_date", "how_many", "channel_filter"], after: ["channel_filter", "how_many", "to_date", "from_date"],
    }]);
  });

  it("compares a friendly input against the server body", () => {
    const desired = {
      data_sources: { tables: ["retail.gold.orders"] },
      instructions: { text_instructions: [{ id: "1f0b37c378e1c91a0b1c2d3e4f5a6b70", content: "Be brief." }] },
    };
    const remote = '{"version":2,"data_sources":{"tables":[{"identifier":"retail.gold.orders"}]},"instructions":{"text_instructions":[{"id":"1f0b37c378e1c91a0b1c2d3e4f5a6b70","content":["Be brief."]}]}}';
    expect(compareSpaces(desired as never, remote)).toEqual([]);
  });
});

describe("fromSerializedSpace", () => {
  it("preserves fields it does not know", () => {
    const d = fromSerializedSpace('{"version":2,"data_sources":{"tables":[{"identifier":"a.b.c","future_flag":true}]},"future_section":{"x":1}}\n');
    expect(d).toEqual({ version: 2, data_sources: { tables: [{ identifier: "a.b.c", future_flag: true }] }, future_section: { x: 1 } });
    expect(toSerializedSpace(d, { allowUnknownFields: true })).toBe('{"version":2,"data_sources":{"tables":[{"identifier":"a.b.c","future_flag":true}]},"future_section":{"x":1}}');
    expect(() => toSerializedSpace(d)).toThrow(/unknown field "future_flag"/);
  });

  it("accepts what the server accepted even if the authoring rules are stricter", () => {
    const body = '{"version":2,"data_sources":{"tables":[{"identifier":"a.b.c","column_configs":[{"column_name":"x","enable_entity_matching":true}]}]}}';
    expect(fromSerializedSpace(body).data_sources.tables![0].column_configs![0]).toEqual({ column_name: "x", enable_entity_matching: true });
  });

  it("rejects text that is not a space", () => {
    expect(() => fromSerializedSpace("not json")).toThrow(SpaceValidationError);
    expect(() => fromSerializedSpace("[1,2]")).toThrow(/expected a space definition/);
    expect(() => fromSerializedSpace('{"version":3}')).toThrow(/version must be 1 or 2/);
  });
});

describe("the friendly form", () => {
  it("derives ids from stable content, so other items never change an item's id", () => {
    const one = normalizeSpace({ config: { sample_questions: ["A?"] } }).definition!;
    const two = normalizeSpace({ config: { sample_questions: ["B?", "A?", "C?"] } }).definition!;
    const idOfA = (d: typeof one) => d.config!.sample_questions!.find((q) => q.question[0] === "A?")!.id;
    expect(idOfA(one)).toMatch(/^[0-9a-f]{32}$/);
    expect(idOfA(two)).toBe(idOfA(one));
  });

  it("keeps explicit ids", () => {
    const d = normalizeSpace({ config: { sample_questions: [{ id: "0123456789abcdef0123456789abcdef", question: "Q?" }] } }).definition!;
    expect(d.config!.sample_questions![0].id).toBe("0123456789abcdef0123456789abcdef");
  });

  it("writes a join relationship field as the API's --rt= line", () => {
    const d = normalizeSpace({
      data_sources: { tables: ["a.b.o", "a.b.c"] },
      instructions: { join_specs: [{ left: { identifier: "a.b.o", alias: "o" }, right: { identifier: "a.b.c", alias: "c" }, sql: "`o`.`cid` = `c`.`id`\n", relationship: "one_to_many" }] },
    }).definition!;
    expect(d.instructions!.join_specs![0].sql).toEqual(["`o`.`cid` = `c`.`id`", "--rt=FROM_RELATIONSHIP_TYPE_ONE_TO_MANY--"]);
  });

  it("splits text the way the API's exports do", () => {
    const d = normalizeSpace({ data_sources: { tables: [{ identifier: "a.b.c", description: "line one\nline two\n\nline four" }] } }).definition!;
    expect(d.data_sources.tables![0].description).toEqual(["line one\n", "line two\n", "\n", "line four"]);
  });

  it("a definition changed after validation is validated again", () => {
    const { definition } = normalizeSpace({ data_sources: { tables: ["a.b.c"] } });
    expect(toSerializedSpace(definition!)).toBe('{"version":2,"data_sources":{"tables":[{"identifier":"a.b.c"}]}}');
    definition!.data_sources.tables!.push({ identifier: "only.two" });
    expect(() => toSerializedSpace(definition!)).toThrow(/not a 3-part name/);
  });

  it("toSerializedSpace throws one error listing every problem", () => {
    try {
      toSerializedSpace({ data_sources: { tables: ["a.b", "x..y"] } } as never);
      throw new Error("expected a throw");
    } catch (e) {
      expect(e).toBeInstanceOf(SpaceValidationError);
      expect((e as SpaceValidationError).problems.map((p) => p.path)).toEqual(["data_sources.tables[0].identifier", "data_sources.tables[1].identifier"]);
    }
  });
});
