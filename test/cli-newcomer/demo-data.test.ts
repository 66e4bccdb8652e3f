/** `demo-data setup|status|cleanup`: demo tables through the SQL API, and the matching space file. */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_TABLES, runDemoCleanup, runDemoSetup, runDemoStatus, setupCommand, type DemoDataOptions } from "../../provider/tools/cli/demo-data";
import { credentialsFor, resolveAuthConfig } from "../../provider/lib/auth";
import { closeConnectionPools, SqlClient } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { loadSpaceFiles } from "../../provider/lib/space";
import { bufferIo, isolated, removeDir, scratchDir } from "../cli/helpers";
import { shellWords } from "../cli/process";

const TABLES = ["main.genie_demo.customers", "main.genie_demo.orders", "main.genie_demo.products"];

describe("demo-data", () => {
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

  const opts = (extra: Partial<DemoDataOptions> = {}): DemoDataOptions => ({
    ...isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token }),
    projectDir: dir,
    catalog: "main",
    schema: "genie_demo",
    warehouseId: "wh1",
    sqlOptions: { pollIntervalMs: 2 },
    ...extra,
  });

  test("setup creates the schema and the demo tables with rows, and a space file on exactly those tables", async () => {
    const io = bufferIo();
    expect(await runDemoSetup(opts(), io)).toBe(0);
    expect(emulator.tables.list()).toEqual(TABLES);
    for (const t of DEMO_TABLES) expect(emulator.tables.get(`main.genie_demo.${t.name}`)!.rows).toHaveLength(t.rows.length);
    expect(io.out()).toContain("table main.genie_demo.orders: created, 8 rows");
    // The file names its tables through the stack's variables; with the dev values it is exactly these.
    const dev = { catalog: "main", schema: "genie_demo", warehouse_id: "wh1", folder: "/Shared/genie/dev" };
    const [space] = await loadSpaceFiles(path.join(dir, "spaces/genie_demo.yaml"), { variables: dev });
    expect(space.warehouseId).toBe("wh1");
    expect(space.parentPath).toBe("/Shared/genie/dev");
    expect(space.definition.data_sources.tables!.map((t) => t.identifier)).toEqual(TABLES);
    expect(emulator.requests().every((r) => r.path.startsWith("/api/2.0/sql/statements"))).toBe(true);
  });

  test("setup again leaves existing tables as they are (no duplicate rows)", async () => {
    await runDemoSetup(opts(), bufferIo());
    const io = bufferIo();
    expect(await runDemoSetup(opts({ spaceFile: "" }), io)).toBe(0);
    expect(io.out()).toContain("table main.genie_demo.orders: already there, left as it is");
    expect(emulator.tables.get("main.genie_demo.orders")!.rows).toHaveLength(8);
  });

  test("status: missing before setup, row counts after, as text or json", async () => {
    let io = bufferIo();
    expect(await runDemoStatus(opts({ json: true }), io)).toBe(0);
    let s = JSON.parse(io.out());
    expect(s.schemaExists).toBe(false);
    expect(s.tables.every((t: { exists: boolean }) => !t.exists)).toBe(true);
    await runDemoSetup(opts(), bufferIo());
    io = bufferIo();
    expect(await runDemoStatus(opts({ json: true }), io)).toBe(0);
    s = JSON.parse(io.out());
    expect(s.tables).toEqual([
      { table: "main.genie_demo.customers", exists: true, rows: 6 },
      { table: "main.genie_demo.products", exists: true, rows: 4 },
      { table: "main.genie_demo.orders", exists: true, rows: 8 },
    ]);
    expect(s.spaceFile.exists).toBe(true);
    io = bufferIo();
    await runDemoStatus(opts(), io);
    expect(io.out()).toContain("table main.genie_demo.products: 4 rows");
    expect(io.out()).toContain("Demo data is complete.");
  });

  test("cleanup is a dry run by default; --execute drops the demo tables; --drop-schema the schema too", async () => {
    await runDemoSetup(opts(), bufferIo());
    const dry = bufferIo();
    expect(await runDemoCleanup(opts(), dry)).toBe(0);
    expect(dry.out()).toMatch(/Dry run: would run\n {2}DROP TABLE IF EXISTS main\.genie_demo\.customers/);
    expect(emulator.tables.list()).toEqual(TABLES);
    const real = bufferIo();
    expect(await runDemoCleanup(opts({ execute: true, dropSchema: true }), real)).toBe(0);
    expect(emulator.tables.list()).toEqual([]);
    expect(real.out()).toContain("ran: DROP SCHEMA IF EXISTS main.genie_demo RESTRICT");
    expect(real.out()).toContain("spaces/genie_demo.yaml stays");
    const again = bufferIo();
    await runDemoCleanup(opts({ execute: true }), again);
    expect(again.out()).toContain("Nothing to drop");
  });

  test("cleanup never drops a table that is not demo data", async () => {
    await runDemoSetup(opts(), bufferIo());
    const sql = new SqlClient({ host: emulator.url, credentials: credentialsFor(resolveAuthConfig({ host: emulator.url, token: emulator.token }, { env: {}, homeDir: dir })) });
    await sql.execute({ statement: "CREATE TABLE main.genie_demo.mine (x INT)", warehouseId: "wh1" });
    const io = bufferIo();
    expect(await runDemoCleanup(opts({ execute: true, dropSchema: true }), io)).toBe(1);
    expect(emulator.tables.list()).toEqual(["main.genie_demo.mine"]);
    expect(io.err()).toMatch(/SCHEMA_NOT_EMPTY/);
  });

  test.each([
    ["missing warehouse", { warehouseId: undefined }, /needs --warehouse-id W/],
    ["missing catalog and schema", { catalog: undefined, schema: undefined }, /needs --catalog C, --schema S/],
    ["a schema that is not an identifier", { schema: "x; DROP" }, /--schema "x; DROP" is not a plain identifier/],
  ])("bad input (%s): exit 2 before any request, nothing written", async (_what, change, message) => {
    for (const run of [runDemoSetup, runDemoStatus, runDemoCleanup]) {
      const io = bufferIo();
      expect(await run(opts(change), io)).toBe(2);
      expect(io.err()).toMatch(message);
    }
    expect(emulator.requests()).toEqual([]);
    expect(fs.existsSync(path.join(dir, "spaces"))).toBe(false);
  });

  test("an existing space file: setup refuses before running any SQL", async () => {
    fs.mkdirSync(path.join(dir, "spaces"));
    fs.writeFileSync(path.join(dir, "spaces/genie_demo.yaml"), "mine\n");
    const io = bufferIo();
    expect(await runDemoSetup(opts(), io)).toBe(2);
    expect(io.err()).toMatch(/genie_demo\.yaml already exists[\s\S]*--force/);
    expect(emulator.requests()).toEqual([]);
    expect(fs.readFileSync(path.join(dir, "spaces/genie_demo.yaml"), "utf8")).toBe("mine\n");
  });

  test("a refused statement: the error shows the statement, the API's code and message and a fix; no space file", async () => {
    emulator.setFaults([{ method: "POST", path: "/api/2.0/sql/statements", kind: "400", message: "Warehouse wh1 does not exist." }]);
    const io = bufferIo();
    expect(await runDemoSetup(opts(), io)).toBe(1);
    expect(io.err()).toMatch(/SQL statement failed: CREATE SCHEMA IF NOT EXISTS main\.genie_demo[\s\S]*INVALID_PARAMETER_VALUE: Warehouse wh1 does not exist\. \[HTTP 400\][\s\S]*fix: /);
    expect(io.err()).not.toContain(emulator.token);
    expect(fs.existsSync(path.join(dir, "spaces/genie_demo.yaml"))).toBe(false);
  });

  test("the setup command status suggests is quoted for the shell: odd paths come back as the same arguments", () => {
    const opts = { stack: "dev", projectDir: "/tmp/my project", spaceFile: "spaces/it's here.yaml" };
    const line = setupCommand(opts, { catalog: "main", schema: "genie_demo", warehouseId: "wh 1" });
    expect(shellWords(line)).toEqual([
      "pulumi-genie", "demo-data", "setup", "--catalog", "main", "--schema", "genie_demo", "--warehouse-id", "wh 1",
      "--stack", "dev", "--project", "/tmp/my project", "--space-file", "spaces/it's here.yaml",
    ]);
  });
});
