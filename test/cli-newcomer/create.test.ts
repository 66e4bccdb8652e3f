/** `create`: a prototype space from flags, and `--save-config` writing the equivalent space file. */
import * as fs from "node:fs";
import * as path from "node:path";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { runCreate } from "../../provider/tools/cli/create";
import { compareSpaces, loadSpaceFiles } from "../../provider/lib/space";
import { bufferIo, isolated, removeDir, scratchDir } from "../cli/helpers";

describe("create", () => {
  let emulator: EmulatorHandle;
  let dir: string;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    await closeConnectionPools();
  });
  beforeEach(() => {
    emulator.reset();
    dir = scratchDir();
  });
  afterEach(() => removeDir(dir));

  const settings = () => ({ ...isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token }), projectDir: dir });
  const base = {
    title: "Orders prototype",
    warehouseId: "wh1",
    tables: ["main.demo.orders,main.demo.customers"],
    questions: ["How many orders last week?", "Top customers, by revenue?"],
    instructions: ["Revenue means SUM(amount)."],
  };

  test("one POST makes the space with the tables, questions and instructions given", async () => {
    const io = bufferIo();
    expect(await runCreate({ ...settings(), ...base }, io)).toBe(0);
    const [space] = emulator.spaces.list();
    expect(space.title).toBe("Orders prototype");
    expect(space.warehouse_id).toBe("wh1");
    const body = JSON.parse(space.serialized_space);
    expect(body.data_sources.tables.map((t: { identifier: string }) => t.identifier)).toEqual(["main.demo.customers", "main.demo.orders"]);
    expect(body.config.sample_questions).toHaveLength(2);
    expect(body.instructions.text_instructions[0].content.join("")).toBe("Revenue means SUM(amount).");
    expect(emulator.requests().filter((r) => r.method === "POST")).toHaveLength(1);
    expect(io.out()).toContain(`Created Genie space "Orders prototype" (${space.space_id})`);
    expect(io.out()).toContain(`${emulator.url}/genie/rooms/${space.space_id}`);
  });

  test("--save-config writes a space file that loads to exactly the space created, with the adopt command", async () => {
    const io = bufferIo();
    expect(await runCreate({ ...settings(), ...base, saveConfig: "spaces/orders.yaml" }, io)).toBe(0);
    const file = path.join(dir, "spaces/orders.yaml");
    const [space] = emulator.spaces.list();
    const [loaded] = await loadSpaceFiles(file);
    expect(loaded.name).toBe("orders_prototype");
    expect(loaded.title).toBe("Orders prototype");
    expect(loaded.warehouseId).toBe("wh1");
    expect(compareSpaces(loaded.definition, space.serialized_space)).toEqual([]);
    expect(fs.readFileSync(file, "utf8")).toContain(`pulumi config set --path 'genie:adopt.orders_prototype' ${space.space_id}`);
    expect(io.out()).toContain("Wrote spaces/orders.yaml");
  });

  test("--json prints the id, url and file", async () => {
    const io = bufferIo();
    expect(await runCreate({ ...settings(), ...base, json: true }, io)).toBe(0);
    const r = JSON.parse(io.out());
    expect(r.space_id).toBe(emulator.spaces.list()[0].space_id);
    expect(r.url).toBe(`${emulator.url}/genie/rooms/${r.space_id}`);
  });

  test.each([
    ["missing warehouse", { warehouseId: undefined }, /needs --warehouse-id/],
    ["no tables", { tables: [] }, /needs --tables/],
    ["a 2-part table name", { tables: ["demo.orders"] }, /3-part names.*"demo\.orders"/],
    ["an empty title", { title: " " }, /needs a TITLE/],
  ])("bad input (%s): a clear error, exit 2, no request, no space, no file", async (_what, change, message) => {
    const io = bufferIo();
    emulator.clearRequests();
    expect(await runCreate({ ...settings(), ...base, ...change, saveConfig: "orders.yaml" }, io)).toBe(2);
    expect(io.err()).toMatch(message);
    expect(emulator.requests()).toEqual([]);
    expect(fs.existsSync(path.join(dir, "orders.yaml"))).toBe(false);
  });

  test("an existing --save-config file: refused before anything is created, the file untouched", async () => {
    const file = path.join(dir, "orders.yaml");
    fs.writeFileSync(file, "keep me\n");
    const io = bufferIo();
    expect(await runCreate({ ...settings(), ...base, saveConfig: "orders.yaml" }, io)).toBe(2);
    expect(io.err()).toMatch(/orders\.yaml already exists: nothing was created or written[\s\S]*--force/);
    expect(emulator.spaces.list()).toEqual([]);
    expect(fs.readFileSync(file, "utf8")).toBe("keep me\n");
  });

  test("an API refusal names the space, the API code and message; no file is written", async () => {
    emulator.setOptions({ catalog: ["main.demo.orders"] });
    const io = bufferIo();
    expect(await runCreate({ ...settings(), ...base, saveConfig: "orders.yaml" }, io)).toBe(1);
    expect(io.err()).toMatch(/cannot create Genie space "Orders prototype": PERMISSION_DENIED: .*main\.demo\.customers/);
    expect(io.err()).toMatch(/fix: /);
    expect(io.err()).not.toContain(emulator.token);
    expect(fs.existsSync(path.join(dir, "orders.yaml"))).toBe(false);
  });
});
