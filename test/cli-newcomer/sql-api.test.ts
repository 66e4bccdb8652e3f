/** The emulator's SQL Statement Execution API, driven through the SQL client, and its table catalog. */
import { credentialsFor, resolveAuthConfig } from "../../provider/lib/auth";
import { closeConnectionPools, GenieClient, SqlClient, SqlStatementError } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { toSerializedSpace } from "../../provider/lib/space";

describe("SQL statements against the emulator", () => {
  let emulator: EmulatorHandle;
  let sql: SqlClient;
  const credentials = () => credentialsFor(resolveAuthConfig({ host: emulator.url, token: emulator.token }, { env: {}, homeDir: "/nonexistent" }));
  const run = (statement: string, extra: Partial<Parameters<SqlClient["execute"]>[0]> = {}) =>
    sql.execute({ statement, warehouseId: "wh1", ...extra });

  beforeAll(async () => {
    emulator = await startEmulator();
    sql = new SqlClient({ host: emulator.url, credentials: credentials(), pollIntervalMs: 2 });
  });
  afterAll(async () => {
    await emulator.close();
    await closeConnectionPools();
  });
  beforeEach(() => emulator.reset());

  test("CREATE SCHEMA, CREATE TABLE and INSERT make a table the emulator lists, with its rows", async () => {
    await run("CREATE SCHEMA IF NOT EXISTS main.demo");
    await run("CREATE TABLE main.demo.orders (order_id BIGINT NOT NULL COMMENT 'key', amount DECIMAL(10, 2), note STRING) COMMENT 'Orders'");
    const inserted = await run("INSERT INTO main.demo.orders VALUES (1, 10.50, 'it''s'), (2, -3, NULL)");
    expect(inserted.rows).toEqual([["2", "2"]]);
    expect(emulator.tables.list()).toEqual(["main.demo.orders"]);
    const table = emulator.tables.get("main.demo.orders")!;
    expect(table.columns.map((c) => `${c.name}:${c.type}`)).toEqual(["order_id:bigint", "amount:decimal(10,2)", "note:string"]);
    expect(table.rows).toEqual([["1", "10.50", "it's"], ["2", "-3", null]]);
    const count = await run("SELECT COUNT(*) FROM orders", { catalog: "main", schema: "demo" });
    expect(count.rows).toEqual([["2"]]);
  });

  test("SHOW TABLES and DESCRIBE answer in JSON_ARRAY rows with a column manifest", async () => {
    await run("CREATE SCHEMA main.demo");
    await run("CREATE TABLE main.demo.a (x INT COMMENT 'the x')");
    await run("CREATE TABLE main.demo.b (y STRING)");
    const shown = await run("SHOW TABLES IN main.demo");
    expect(shown.columns).toEqual(["database", "tableName", "isTemporary"]);
    expect(shown.rows.map((r) => r[1])).toEqual(["a", "b"]);
    const described = await run("DESCRIBE TABLE main.demo.a");
    expect(described.rows).toEqual([["x", "int", "the x"]]);
  });

  test("a statement submitted with wait_timeout 0s is PENDING first and the client polls it to SUCCEEDED", async () => {
    await run("CREATE SCHEMA main.demo", { waitTimeout: "0s" });
    const submits = emulator.requests().filter((r) => r.method === "POST" && r.path === "/api/2.0/sql/statements");
    const polls = emulator.requests().filter((r) => r.method === "GET" && r.path.startsWith("/api/2.0/sql/statements/"));
    expect(submits).toHaveLength(1);
    expect(polls.length).toBeGreaterThanOrEqual(1);
    expect((await run("SHOW SCHEMAS IN main")).rows).toEqual([["demo"]]);
  });

  test("a statement still pending at the client's deadline is cancelled and reported, naming the statement", async () => {
    const impatient = new SqlClient({ host: emulator.url, credentials: credentials(), pollIntervalMs: 5, statementTimeoutMs: 1 });
    const err = (await impatient.execute({ statement: "CREATE SCHEMA main.slow", warehouseId: "wh1", waitTimeout: "0s" }).catch((e: unknown) => e)) as SqlStatementError;
    expect(err).toBeInstanceOf(SqlStatementError);
    expect(err.message).toMatch(/CREATE SCHEMA main\.slow[\s\S]*still PENDING[\s\S]*cancelled/);
    const cancel = emulator.requests().filter((r) => r.method === "POST" && r.path === `/api/2.0/sql/statements/${err.statementId}/cancel`);
    expect(cancel).toHaveLength(1);
  });

  test("a SQL failure is HTTP 200 + FAILED: the error names the statement, the error class and the fix", async () => {
    const err = await run("INSERT INTO main.nope.t VALUES (1)").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SqlStatementError);
    const e = err as SqlStatementError;
    expect(e.state).toBe("FAILED");
    expect(e.message).toMatch(/INSERT INTO main\.nope\.t/);
    expect(e.message).toMatch(/\[TABLE_OR_VIEW_NOT_FOUND\]/);
    expect(e.message).toMatch(/fix: /);
    expect(e.message).not.toContain(emulator.token);
  });

  test("DROP SCHEMA refuses a non-empty schema unless CASCADE, which drops its tables", async () => {
    await run("CREATE SCHEMA main.demo");
    await run("CREATE TABLE main.demo.t (x INT)");
    await expect(run("DROP SCHEMA main.demo")).rejects.toThrow(/SCHEMA_NOT_EMPTY/);
    await run("DROP SCHEMA main.demo CASCADE");
    expect(emulator.tables.list()).toEqual([]);
  });

  test("a malformed request is an HTTP 400 naming the field (missing warehouse_id, bad wait_timeout)", async () => {
    await expect(sql.execute({ statement: "SHOW TABLES IN main.demo", warehouseId: "" })).rejects.toThrow(/HTTP 400[\s\S]*fix: .*--warehouse-id/);
    await expect(run("CREATE SCHEMA main.demo", { waitTimeout: "3s" })).rejects.toThrow(/wait_timeout must be 0s or between 5s and 50s/);
  });

  test("unsupported SQL fails clearly instead of being silently accepted", async () => {
    await expect(run("UPDATE main.demo.t SET x = 1")).rejects.toThrow(/PARSE_SYNTAX_ERROR/);
  });

  test("with a catalog fixture, a space on missing tables is refused (403) until the SQL API creates them", async () => {
    emulator.setOptions({ catalog: [] });
    const genie = new GenieClient({ host: emulator.url, credentials: credentials(), minRetryDelayMs: 1, maxRetryDelayMs: 5 });
    const body = {
      title: "Demo",
      warehouse_id: "wh1",
      serialized_space: toSerializedSpace({ data_sources: { tables: [{ identifier: "main.demo.orders" }] } } as never),
    };
    await expect(genie.createSpace(body)).rejects.toThrow(/PERMISSION_DENIED.*main\.demo\.orders.*HTTP 403/);
    await run("CREATE SCHEMA main.demo");
    await run("CREATE TABLE main.demo.orders (id BIGINT)");
    const created = await genie.createSpace(body);
    expect(created.space_id).toMatch(/^[0-9a-f]{32}$/);
  });

  test("tables made through SQL match a space's identifiers case-insensitively, as Unity Catalog names do", async () => {
    emulator.setOptions({ catalog: [] });
    await run("CREATE SCHEMA Main.Demo");
    await run("CREATE TABLE Main.Demo.Orders (id BIGINT)");
    expect(emulator.tables.list()).toEqual(["main.demo.orders"]);
    const genie = new GenieClient({ host: emulator.url, credentials: credentials(), minRetryDelayMs: 1, maxRetryDelayMs: 5 });
    const created = await genie.createSpace({
      title: "Mixed case",
      warehouse_id: "wh1",
      serialized_space: toSerializedSpace({ data_sources: { tables: [{ identifier: "MAIN.demo.Orders" }] } } as never),
    });
    expect(created.space_id).toMatch(/^[0-9a-f]{32}$/);
  });

  test("reset drops the tables", async () => {
    await run("CREATE SCHEMA main.demo");
    await run("CREATE TABLE main.demo.t (x INT)");
    emulator.reset();
    expect(emulator.tables.list()).toEqual([]);
  });
});
