import { promises as fs } from "node:fs";
import * as path from "node:path";
import { compareSpaces, fromSerializedSpace, loadSpaceFiles, toSerializedSpace, toSpaceYaml } from "../../provider/lib/space";
import { V2_FILE } from "../fixtures";
import { loadError, useTempDir, writeIn } from "./helpers";

const FIXTURES = path.join(__dirname, "fixtures");
const FORGE = path.join(FIXTURES, "genie-forge", "conf");
const EXAMPLE_V2 = V2_FILE;

const tempDir = useTempDir("space-files-");
const write = (name: string, text: string) => writeIn(tempDir(), name, text);

describe("genie-forge projects", () => {
  it("load unchanged with variables from conf/environments/<env>.yaml", async () => {
    const spaces = await loadSpaceFiles(path.join(FORGE, "spaces"), { env: "dev" });
    expect(spaces.map((s) => s.name)).toEqual(["sales_analytics", "simple_space"]);
    const sales = spaces[0];
    expect(sales.title).toBe("Sales Analytics (dev)");
    expect(sales.warehouseId).toBe("6c5c02379eea0732");
    expect(sales.parentPath).toBe("/Workspace/Users/analyst@example.com/genie");
    expect(sales.file).toBe(path.join(FORGE, "spaces", "sales_analytics.yaml"));
    const d = sales.definition;
    expect(d.data_sources.tables!.map((t) => t.identifier)).toEqual(["dev_catalog.sales.customers", "dev_catalog.sales.orders"]);
    // entity matching alone implies format assistance in genie-forge files
    const region = d.data_sources.tables![1].column_configs!.find((c) => c.column_name === "region")!;
    expect(region).toMatchObject({ synonyms: ["territory"], enable_format_assistance: true, enable_entity_matching: true });
    // false toggles are omitted
    expect(d.data_sources.tables![0].column_configs![0]).toEqual({ column_name: "customer_name", synonyms: ["name", "client_name"], enable_format_assistance: true });
    // … and the format assistance added for entity matching is said, where it happened
    const file = path.join(FORGE, "spaces", "sales_analytics.yaml");
    const warning = {
      file, line: 29, col: 15, path: "spaces[0].data_sources.tables[0].column_configs[0].enable_entity_matching",
      message: "entity matching requires format assistance, so enable_format_assistance: true is added to this column (as genie-forge does); write it to silence this warning",
    };
    expect(sales.warnings).toEqual([warning]);
    expect(spaces[1].warnings).toEqual([]);
    expect(spaces.warnings).toEqual([warning]);
  });

  it("never overrides an explicit value: format assistance false with entity matching is an error", async () => {
    const file = await write("forge.yaml", [
      "version: 1",
      "spaces:",
      "  - space_id: s",
      "    title: S",
      "    warehouse_id: wh",
      "    data_sources:",
      "      tables:",
      "        - identifier: c.s.t",
      "          column_configs:",
      "            - {column_name: a, enable_entity_matching: true, enable_format_assistance: false}",
      "            - {column_name: b, enable_format_assistance: false, get_example_values: true}",
    ].join("\n"));
    const err = await loadError(file);
    expect(err.problems).toEqual([
      {
        file, line: 10, col: 32, path: "spaces[0].data_sources.tables[0].column_configs[0].enable_entity_matching",
        message: "entity matching requires format assistance, and enable_format_assistance is false: set enable_format_assistance: true, or turn entity matching off",
      },
      {
        file, line: 11, col: 65, path: "spaces[0].data_sources.tables[0].column_configs[1].get_example_values",
        message: "get_example_values is the v1 name of enable_format_assistance, and the two disagree (enable_format_assistance: false, get_example_values: true): keep only enable_format_assistance",
      },
    ]);
  });

  it("a join_type INNER is dropped with a warning naming the line; another SQL join kind is an error", async () => {
    const join = (type: string) => [
      "version: 1",
      "spaces:",
      "  - space_id: s",
      "    title: S",
      "    warehouse_id: wh",
      "    data_sources: {tables: [c.s.orders, c.s.customers]}",
      "    instructions:",
      "      join_specs:",
      "        - left_table: c.s.orders",
      "          right_table: c.s.customers",
      "          join_condition: orders.cid = customers.id",
      `          join_type: ${type}`,
    ].join("\n");
    const inner = await write("inner.yaml", join("INNER"));
    const [space] = await loadSpaceFiles(inner);
    expect(space.definition.instructions!.join_specs![0].sql).toEqual(["orders.cid = customers.id"]);
    expect(space.warnings).toEqual([{
      file: inner, line: 12, col: 11, path: "spaces[0].instructions.join_specs[0].join_type",
      message: "join_type INNER is dropped: the Genie API stores no join kind, only a relationship (Genie writes the join itself); remove join_type, or set relationship: many_to_one | one_to_many | one_to_one | many_to_many",
    }]);
    const left = await write("left.yaml", join("LEFT OUTER"));
    const err = await loadError(left);
    expect(err.problems).toEqual([expect.objectContaining({
      file: left, line: 12, path: "spaces[0].instructions.join_specs[0].join_type",
      message: expect.stringMatching(/^join_type LEFT OUTER is a SQL join kind, which the Genie API cannot store/),
    })]);
  });

  it("merges the text instructions (content, text: and plain strings) into the one block the API allows", async () => {
    const [sales] = await loadSpaceFiles(path.join(FORGE, "spaces", "sales_analytics.yaml"), { env: "dev" });
    const text = sales.definition.instructions!.text_instructions!;
    expect(text).toHaveLength(1);
    expect(text[0].content.join("")).toBe(
      "Always format money with a $ sign and 2 decimals.\nUse ISO dates (YYYY-MM-DD).\nDefault to the last 30 days.\nExclude cancelled orders unless asked.",
    );
    expect(text[0].id).toMatch(/^[0-9a-f]{32}$/);
  });

  it("accepts the four default_value forms", async () => {
    const [sales] = await loadSpaceFiles(path.join(FORGE, "spaces"), { env: "dev" });
    const example = sales.definition.instructions!.example_question_sqls!.find((e) => e.parameters)!;
    expect(example.parameters!.map((p) => [p.name, p.default_value])).toEqual([
      ["region", { values: ["NA"] }],
      ["start_date", { values: ["2026-01-01"] }],
      ["end_date", { values: ["2026-06-30"] }],
      ["top_n", { values: ["10"] }],
    ]);
  });

  it("converts the legacy join form and keeps the modern one", async () => {
    const [sales] = await loadSpaceFiles(path.join(FORGE, "spaces"), { env: "dev" });
    const joins = sales.definition.instructions!.join_specs!;
    const legacy = joins.find((j) => j.left.identifier === "dev_catalog.sales.orders" && j.right.identifier === "dev_catalog.sales.customers")!;
    expect(legacy.sql).toEqual(["orders.customer_id = customers.customer_id", "--rt=FROM_RELATIONSHIP_TYPE_MANY_TO_ONE--"]);
    expect(legacy.instruction).toEqual(["Every order belongs to one customer"]);
    const self = joins.find((j) => j.right.alias === "prev")!;
    expect(self.sql).toEqual(["o.previous_order_id = prev.order_id"]);
  });

  it("maps logical ids to stable hex ids and serializes to a valid body", async () => {
    const [first] = await loadSpaceFiles(path.join(FORGE, "spaces"), { env: "dev" });
    const [again] = await loadSpaceFiles(path.join(FORGE, "spaces"), { env: "dev" });
    const body = toSerializedSpace(first.definition);
    expect(body).toBe(toSerializedSpace(again.definition));
    const parsed = JSON.parse(body);
    expect(parsed.version).toBe(2);
    const ids = JSON.stringify(parsed).match(/"id":"([^"]*)"/g)!.map((m) => m.slice(6, -1));
    expect(ids.every((id) => /^[0-9a-f]{32}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(parsed.instructions.sql_functions.map((f: { identifier: string }) => f.identifier).sort())
      .toEqual(["dev_catalog.sales.fiscal_quarter", "dev_catalog.sales.format_currency"]);
    expect(parsed.instructions.sql_snippets.measures[0].alias).toBe("total_revenue");
    expect(parsed.benchmarks.questions[0].answer[0].format).toBe("SQL");
  });

  it("explicit variables override the environment file", async () => {
    const spaces = await loadSpaceFiles(path.join(FORGE, "spaces"), { env: "dev", variables: { catalog: "other" } });
    expect(spaces[1].definition.data_sources.tables![0].identifier).toBe("other.sales.products");
  });
});

describe("bundle exports", () => {
  it("load a *.geniespace.json as a raw serialized_space named after the file", async () => {
    const [space] = await loadSpaceFiles(path.join(FIXTURES, "bundle"), { variables: { warehouse_id: "wh1" } });
    expect(space.name).toBe("retail");
    expect(space.warehouseId).toBe("wh1");
    expect(compareSpaces(space.definition, await fs.readFile(EXAMPLE_V2, "utf8"))).toEqual([]);
  });
});

describe("variables", () => {
  it("resolves ${name} and ${env}, and $${ writes a literal ${", async () => {
    const file = await write("s.yaml", [
      "name: s",
      "title: ${env} space",
      "warehouse_id: wh",
      "data_sources:",
      "  tables:",
      "    - identifier: ${catalog}.gold.orders",
      "      description: cost is $${amount} in ${env}",
    ].join("\n"));
    const [s] = await loadSpaceFiles(file, { env: "prod", variables: { catalog: "main" } });
    expect(s.title).toBe("prod space");
    expect(s.definition.data_sources.tables![0]).toEqual({ identifier: "main.gold.orders", description: ["cost is ${amount} in prod"] });
  });

  it("a missing variable is an error naming the variable, file and line", async () => {
    const file = await write("missing.yaml", [
      "name: s",
      "title: t",
      "warehouse_id: wh",
      "data_sources:",
      "  tables:",
      "    - identifier: ${catalog}.gold.orders",
    ].join("\n"));
    const err = await loadError(file);
    expect(err.problems).toEqual([{
      file, line: 6, col: 19, path: "data_sources.tables[0].identifier",
      message: 'undefined variable "catalog": define catalog in the variables (or the environment file), or write $${catalog} for a literal "${catalog}"',
    }]);
    expect(err.message).toBe(`${file}:6:19 data_sources.tables[0].identifier: ${err.problems[0].message}`);
  });
});

describe("errors", () => {
  it("reports every problem of every file together, each with file:line:col and the field path", async () => {
    const a = await write("a.yaml", [
      "name: a",
      "title: A",
      "warehouse_id: wh",
      "data_sources:",
      "  tables:",
      "    - identifer: x.y.z",
      "    - identifier: only.two",
      "instructions:",
      "  join_specs:",
      "    - left: {identifier: a.b.c}",
      "      right: {identifier: a.b.d}",
      "      sql: a.x = b.x",
      "      relationship: sideways",
    ].join("\n"));
    const b = await write("sub/b.yml", "name: b\ntitle: B\nwarehouse_id: wh\nbenchmarks:\n  questions:\n    - question: q\n");
    const err = await loadError(tempDir());
    const lines = err.message.split("\n");
    expect(lines).toEqual(err.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.path}: ${p.message}`));
    expect(err.problems.map((p) => [p.file, p.line, p.col, p.path])).toEqual([
      [a, 6, 7, "data_sources.tables[0].identifer"],
      [a, 6, 7, "data_sources.tables[0].identifier"],
      [a, 7, 7, "data_sources.tables[1].identifier"],
      [a, 10, 14, "instructions.join_specs[0].left.identifier"],
      [a, 11, 15, "instructions.join_specs[0].right.identifier"],
      [a, 13, 7, "instructions.join_specs[0].relationship"],
      [b, 6, 7, "benchmarks.questions[0]"],
    ]);
    expect(err.problems[0].message).toBe('unknown field "identifer": did you mean "identifier"?');
    expect(err.problems[2].message).toContain("3-part name");
    expect(err.problems[3].message).toBe('"a.b.c" is not in data_sources: a join can only use the space\'s tables and metric views; add it to data_sources.tables, or fix the name');
    expect(err.problems[5].message).toContain("many_to_one");
    expect(err.problems[6].message).toContain("exactly one SQL answer");
  });

  it("reports YAML syntax errors with their position", async () => {
    const file = await write("bad.yaml", "name: a\ntitle: [unclosed\n");
    const err = await loadError(file);
    expect(err.problems[0]).toMatchObject({ file, path: "" });
    expect(err.problems[0].line).toBeGreaterThanOrEqual(2);
  });

  it("rejects duplicate space names across files", async () => {
    await write("one.yaml", "name: same\ntitle: A\nwarehouse_id: wh\n");
    const two = await write("two.yaml", "name: same\ntitle: B\nwarehouse_id: wh\n");
    const err = await loadError(tempDir());
    expect(err.problems).toEqual([expect.objectContaining({ file: two, line: 1, path: "name", message: expect.stringContaining("already used") })]);
  });

  it("rejects two spaces with one title in one folder (Genie keeps titles unique per folder), /Workspace prefix or not", async () => {
    await write("one.yaml", "name: one\ntitle: Sales\nwarehouse_id: wh\nparent_path: /Workspace/Shared/genie/\n");
    const two = await write("two.yaml", "name: two\ntitle: Sales\nwarehouse_id: wh\nparent_path: /Shared/genie\n");
    await write("three.yaml", "name: three\ntitle: Sales\nwarehouse_id: wh\nparent_path: /Shared/other\n");
    const err = await loadError(tempDir());
    expect(err.problems).toEqual([
      expect.objectContaining({ file: two, line: 2, path: "title", message: expect.stringMatching(/^title "Sales" is already used by space "one" .* in folder \/Shared\/genie: .*another title or parent_path$/) }),
    ]);
  });

  it("rejects two spaces with one title and no folder (both go to the caller's home folder)", async () => {
    await write("one.yaml", "name: one\ntitle: Sales\nwarehouse_id: wh\n");
    await write("two.yaml", "name: two\ntitle: Sales\nwarehouse_id: wh\n");
    const err = await loadError(tempDir());
    expect(err.problems).toEqual([expect.objectContaining({ path: "title", message: expect.stringContaining("in the same (home) folder") })]);
  });

  it("reports a name clash in file order, between the problems of the spaces around it", async () => {
    await write("a.yaml", "name: same\ntitle: A\nwarehouse_id: wh\n");
    const b = await write("b.yaml", [
      "spaces:",
      "  - {name: first, title: F, warehouse_id: wh, data_sources: {tables: [only.two]}}",
      "  - {name: same, title: S, warehouse_id: wh}",
      "  - {name: third, title: T, warehouse_id: wh, data_sources: {tables: [x.y]}}",
    ].join("\n"));
    const err = await loadError(tempDir());
    expect(err.problems.map((p) => [p.file, p.line, p.path])).toEqual([
      [b, 2, "spaces[0].data_sources.tables[0].identifier"],
      [b, 3, "spaces[1].name"],
      [b, 4, "spaces[2].data_sources.tables[0].identifier"],
    ]);
  });

  it("requires a warehouse_id", async () => {
    const file = await write("nowh.yaml", "title: A\n");
    const err = await loadError(file);
    expect(err.problems[0].message).toContain("warehouse_id is required");
  });

  it("points into a spaces: list and a serialized_space string", async () => {
    const file = await write("multi.yaml", [
      "spaces:",
      "  - name: one",
      "    title: One",
      "    warehouse_id: wh",
      "    serialized_space: '{\"version\": 2, \"data_sources\": {\"tables\": [{\"identifier\": \"a.b\"}]}}'",
      "  - title: Two",
      "    warehouse_id: wh",
    ].join("\n"));
    const err = await loadError(file);
    expect(err.problems.map((p) => [p.line, p.path])).toEqual([
      [5, "spaces[0].serialized_space.data_sources.tables[0].identifier"],
      [6, "spaces[1]"],
    ]);
  });
});

describe("file format", () => {
  it("a file holds one space named after the file by default, or a list under spaces:", async () => {
    await write("b/orders.yaml", "title: Orders\nwarehouse_id: wh\ndata_sources:\n  tables: [a.b.orders]\n");
    await write("a/list.json", JSON.stringify({ spaces: [{ name: "x", title: "X", warehouse_id: "wh" }, { name: "y", title: "Y", warehouse_id: "wh" }] }));
    await write("a/environments/dev.yaml", "variables: {}\n");
    await write("a/notes.txt", "not a space");
    const spaces = await loadSpaceFiles(tempDir());
    expect(spaces.map((s) => s.name)).toEqual(["x", "y", "orders"]);
    expect(spaces[2].definition).toEqual({ version: 2, data_sources: { tables: [{ identifier: "a.b.orders" }] } });
  });

  it("serialized_space may be given as an object", async () => {
    const body = JSON.parse(await fs.readFile(EXAMPLE_V2, "utf8"));
    const file = await write("s.json", JSON.stringify({ name: "s", title: "S", warehouse_id: "wh", serialized_space: body }));
    const [s] = await loadSpaceFiles(file);
    expect(compareSpaces(s.definition, body)).toEqual([]);
  });
});

describe("toSpaceYaml", () => {
  it("writes a file that loads back to the same canonical body, with variables templated", async () => {
    const text = await fs.readFile(EXAMPLE_V2, "utf8");
    const definition = fromSerializedSpace(text);
    // a literal ${ in content must survive the round trip
    definition.instructions!.text_instructions![0].content.push("\nLiteral ${not_a_variable}.");
    const yaml = toSpaceYaml(
      { name: "retail", title: "Retail", description: "Sales Q&A", warehouseId: "abc", parentPath: "/Users/a", definition },
      { variables: { catalog: "retail" } },
    );
    expect(yaml).toContain("identifier: ${catalog}.gold.orders");
    expect(yaml).toContain("relationship: many_to_one");
    expect(yaml).toContain("sql: |-\n");
    const file = await write("retail.yaml", yaml);
    const [loaded] = await loadSpaceFiles(file, { variables: { catalog: "retail" } });
    expect(loaded).toMatchObject({ name: "retail", title: "Retail", description: "Sales Q&A", warehouseId: "abc", parentPath: "/Users/a" });
    expect(toSerializedSpace(loaded.definition)).toBe(toSerializedSpace(definition));
  });
});
