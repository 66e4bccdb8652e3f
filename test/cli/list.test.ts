/** `list` / `find`: every page of the workspace, filtered by title glob, as table, json or csv. */
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { globMatcher } from "../../provider/tools/cli/format";
import { runFind, runList } from "../../provider/tools/cli/list";
import { toSerializedSpace } from "../../provider/lib/space";
import { bufferIo, isolated } from "./helpers";

function uiSpace(emulator: EmulatorHandle, title: string, n = 1) {
  return emulator.spaces.uiCreate({
    title,
    warehouse_id: `wh${n}`,
    serialized_space: toSerializedSpace({ data_sources: { tables: [{ identifier: `main.sales.t${n}` }] } } as never),
  });
}

describe("list and find", () => {
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => {
    await emulator.close();
    await closeConnectionPools();
  });
  beforeEach(() => emulator.reset());

  const settings = () => ({ ...isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token }) });

  test("list walks every page: 7 spaces with page size 3 are all listed, in 3 page requests", async () => {
    const made = Array.from({ length: 7 }, (_, i) => uiSpace(emulator, `Space ${i}`, i));
    emulator.clearRequests();
    const io = bufferIo();
    expect(await runList({ ...settings(), output: "json", pageSize: 3 }, io)).toBe(0);
    const listed = JSON.parse(io.out()) as { space_id: string; title: string }[];
    expect(listed.map((s) => s.space_id).sort()).toEqual(made.map((s) => s.space_id).sort());
    expect(emulator.requests().filter((r) => r.path === "/api/2.0/genie/spaces")).toHaveLength(3);
  });

  test("find --pattern 'Sales*' keeps only titles starting with Sales, case-insensitively", async () => {
    uiSpace(emulator, "Sales Analytics", 1);
    uiSpace(emulator, "sales ops", 2);
    uiSpace(emulator, "Pre-Sales", 3);
    uiSpace(emulator, "Support", 4);
    const io = bufferIo();
    expect(await runFind({ ...settings(), pattern: "Sales*", output: "json" }, io)).toBe(0);
    expect((JSON.parse(io.out()) as { title: string }[]).map((s) => s.title).sort()).toEqual(["Sales Analytics", "sales ops"]);
  });

  test("--exclude drops matching titles after the pattern", async () => {
    uiSpace(emulator, "Sales Analytics", 1);
    uiSpace(emulator, "Sales Sandbox", 2);
    const io = bufferIo();
    await runList({ ...settings(), pattern: "Sales*", exclude: ["*Sandbox"], output: "json" }, io);
    expect((JSON.parse(io.out()) as { title: string }[]).map((s) => s.title)).toEqual(["Sales Analytics"]);
  });

  test("table output has a header row and one aligned row per space, and the count on stderr", async () => {
    const a = uiSpace(emulator, "Sales Analytics", 1);
    const io = bufferIo();
    await runList({ ...settings() }, io);
    const lines = io.out().trimEnd().split("\n");
    expect(lines[0]).toMatch(/^SPACE_ID\s+TITLE\s+WAREHOUSE_ID\s+PARENT_PATH\s+DESCRIPTION$/);
    expect(lines[1]).toContain(a.space_id);
    expect(lines[1].indexOf("Sales Analytics")).toBe(lines[0].indexOf("TITLE"));
    expect(io.err()).toBe("1 space(s)\n");
  });

  test("csv output quotes fields with commas and quotes", async () => {
    uiSpace(emulator, 'Sales, "EMEA"', 1);
    const io = bufferIo();
    await runList({ ...settings(), output: "csv" }, io);
    const [header, row] = io.out().split("\r\n");
    expect(header).toBe("space_id,title,warehouse_id,parent_path,description");
    expect(row).toContain(',"Sales, ""EMEA""",wh1,');
  });

  test("an empty workspace lists nothing and succeeds", async () => {
    const io = bufferIo();
    expect(await runList({ ...settings(), output: "json" }, io)).toBe(0);
    expect(JSON.parse(io.out())).toEqual([]);
  });

  test("find without --pattern fails with exit code 2 and says what to add", async () => {
    const io = bufferIo();
    expect(await runFind({ ...settings() }, io)).toBe(2);
    expect(io.err()).toMatch(/--pattern/);
  });

  test("a rejected token fails with the operation, the API's code and message, and the fix — never the token", async () => {
    const canary = "dapi" + "c4a7".repeat(8);
    const io = bufferIo();
    const code = await runList({ ...isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: canary }) }, io);
    expect(code).toBe(1);
    expect(io.err()).toMatch(/cannot list Genie spaces: .*401/);
    expect(io.err()).toMatch(/fix: check the Databricks credentials/);
    expect(io.err() + io.out()).not.toContain(canary);
  });

  test("no workspace configured: the error lists where settings were looked for", async () => {
    const io = bufferIo();
    expect(await runList({ ...isolated() }, io)).toBe(1);
    expect(io.err()).toMatch(/no Databricks workspace configured/);
  });
});

describe("title globs", () => {
  test.each([
    ["Sales*", "Sales Analytics", true],
    ["Sales*", "Pre-Sales", false],
    ["*report?", "Weekly reports", true],
    ["*report?", "Weekly report", false],
    ["[SR]*", "Retail", true],
    ["[!SR]*", "Retail", false],
    ["a.b", "axb", false],
    ["(x)+", "(x)+", true],
  ])("%s against %s → %s", (glob, title, expected) => {
    expect(globMatcher(glob)(title)).toBe(expected);
  });
});
