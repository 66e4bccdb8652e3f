/** `show`: one space, readable or raw, by id or by exact title. */
import * as path from "node:path";
import { parse } from "yaml";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { runShow } from "../../provider/tools/cli/show";
import { loadSpaceFiles, toSerializedSpace, LIMITS } from "../../provider/lib/space";
import { bufferIo, isolated } from "../cli/helpers";

const ROOT = path.resolve(__dirname, "../..");

describe("show", () => {
  let emulator: EmulatorHandle;
  let spaceId: string;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    await closeConnectionPools();
  });
  beforeEach(async () => {
    emulator.reset();
    const [sales] = await loadSpaceFiles(path.join(ROOT, "examples/spaces/sales.yaml"), {
      variables: { catalog: "main", schema: "sales", warehouse_id: "wh1", folder: "/Shared" },
      env: "dev",
    });
    spaceId = emulator.spaces.uiCreate({ title: "Sales analytics", warehouse_id: "wh1", parent_path: "/Shared", serialized_space: toSerializedSpace(sales.definition) }).space_id;
  });

  const settings = () => isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token });

  test("table: the tables, questions, instructions and the use of each product limit", async () => {
    const io = bufferIo();
    expect(await runShow({ ...settings(), spaceId }, io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/^Sales analytics\n/);
    expect(out).toContain(`space id:     ${spaceId}`);
    expect(out).toMatch(/Tables \(2\)\n {2}- main\.sales\.customers — One row per customer\. \[2 column setting\(s\)\]/);
    expect(out).toMatch(/Sample questions \(2\)[\s\S]*What was net revenue last month by region\?/);
    expect(out).toMatch(/Text instructions \(2\)[\s\S]*Fiscal year starts on February 1\./);
    expect(out).toMatch(/Example SQL queries \(1\)\n {2}- Top N customers by revenue/);
    // 2 tables; 1 example SQL + the text block; 2 table descriptions + 1 join + 1 measure + 1 filter
    expect(out).toContain(`Limits: data sources 2/${LIMITS.dataSources}, instructions 2/${LIMITS.instructions}, knowledge snippets 5/${LIMITS.snippets}`);
  });

  test("--name finds the space by its exact title", async () => {
    const io = bufferIo();
    expect(await runShow({ ...settings(), name: "Sales analytics", format: "json" }, io)).toBe(0);
    const shown = JSON.parse(io.out());
    expect(shown.space_id).toBe(spaceId);
    expect(shown.limits.dataSources).toEqual({ used: 2, limit: LIMITS.dataSources });
    expect(shown.definition.data_sources.tables).toHaveLength(2);
  });

  test("raw: the API body as returned, serialized_space text included", async () => {
    const io = bufferIo();
    expect(await runShow({ ...settings(), spaceId, format: "raw" }, io)).toBe(0);
    const raw = JSON.parse(io.out());
    expect(raw.serialized_space).toBe(emulator.spaces.get(spaceId)!.serialized_space);
  });

  test("yaml: a space file in our format that loads back", async () => {
    const io = bufferIo();
    expect(await runShow({ ...settings(), spaceId, format: "yaml" }, io)).toBe(0);
    const file = parse(io.out());
    expect(file.name).toBe("sales_analytics");
    expect(file.data_sources.tables.map((t: { identifier: string }) => t.identifier)).toEqual(["main.sales.customers", "main.sales.orders"]);
  });

  test("an unknown id: a clear error naming the id and the fix, exit 1, nothing on stdout", async () => {
    const io = bufferIo();
    expect(await runShow({ ...settings(), spaceId: "0123456789abcdef0123456789abcdef" }, io)).toBe(1);
    expect(io.err()).toMatch(/no Genie space with id 0123456789abcdef0123456789abcdef[\s\S]*fix: /);
    expect(io.out()).toBe("");
  });

  test("an unknown title suggests similar titles; an ambiguous one lists the candidates' ids", async () => {
    let io = bufferIo();
    expect(await runShow({ ...settings(), name: "sales" }, io)).toBe(1);
    expect(io.err()).toMatch(/no Genie space titled "sales".*similar titles: "Sales analytics"/);
    const second = emulator.spaces.uiCreate({ title: "Twin", warehouse_id: "w", serialized_space: toSerializedSpace({ data_sources: {} } as never) });
    const first = emulator.spaces.uiCreate({ title: "Twin", warehouse_id: "w", parent_path: "/Shared", serialized_space: toSerializedSpace({ data_sources: {} } as never) });
    io = bufferIo();
    expect(await runShow({ ...settings(), name: "Twin" }, io)).toBe(1);
    expect(io.err()).toContain(second.space_id);
    expect(io.err()).toContain(first.space_id);
  });

  test("bad usage: both or neither of id and --name, or an unknown format → exit 2", async () => {
    for (const opts of [{ spaceId, name: "x" }, {}, { spaceId, format: "xml" as never }]) {
      const io = bufferIo();
      expect(await runShow({ ...settings(), ...opts }, io)).toBe(2);
      expect(io.err()).toMatch(/^error: /);
    }
  });

  test("the token never appears in any output", async () => {
    const io = bufferIo();
    await runShow({ ...settings(), spaceId, format: "raw" }, io);
    expect(io.out() + io.err()).not.toContain(emulator.token);
  });
});
