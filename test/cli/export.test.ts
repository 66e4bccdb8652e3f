/** `export`: workspace spaces → YAML space files (+ templating, + adoption records for a stack). */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { EmulatorHandle } from "../../provider/tools/emulator";
import { nameFromTitle, parseTemplatize, runExport } from "../../provider/tools/cli/export";
import { compareSpaces, loadSpaceFiles } from "../../provider/lib/space";
import { V2_TEXT } from "../fixtures";
import { bufferIo, emulatorPerFile, isolated, removeDir, scratchProject } from "./helpers";

const EXAMPLE = V2_TEXT;
/** The API's own v2 example, moved to the dev catalog (pretty-printed as the UI stores it). */
const DEV_EXAMPLE = EXAMPLE.replace(/retail\.gold\./g, "dev_catalog.analytics.");

describe("export", () => {
  const workspace = emulatorPerFile({ user: "dev@example.com" });
  let emulator: EmulatorHandle;
  let project: string;
  beforeEach(() => {
    emulator = workspace();
    project = scratchProject({
      dev: `# dev workspace — keep this comment\nconfig:\n  databricks:host: ${"${HOST}"}\n  genie:variables:\n    warehouse_id: wh-dev # the dev warehouse\n`.replace("${HOST}", emulator.url),
    });
  });
  afterEach(() => removeDir(project));

  const settings = () => ({ ...isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token }), projectDir: project });
  const ui = (title: string, extra: Partial<{ description: string; parent_path: string }> = {}) =>
    emulator.spaces.uiCreate({ title, warehouse_id: "wh-dev", serialized_space: DEV_EXAMPLE, ...extra });

  test("writes one YAML file per matching space, named from its title, that loads back to exactly the remote body", async () => {
    const sales = ui("Sales Analytics", { description: "Revenue questions", parent_path: "/Shared" });
    ui("Support Desk");
    const io = bufferIo();
    expect(await runExport({ ...settings(), pattern: "Sales*", out: "spaces" }, io)).toBe(0);
    expect(fs.readdirSync(path.join(project, "spaces"))).toEqual(["sales_analytics.yaml"]);
    const [loaded] = await loadSpaceFiles(path.join(project, "spaces"));
    expect(loaded).toEqual(expect.objectContaining({ name: "sales_analytics", title: "Sales Analytics", description: "Revenue questions", warehouseId: "wh-dev" }));
    expect(compareSpaces(loaded.definition, emulator.spaces.get(sales.space_id)!.serialized_space)).toEqual([]);
    expect(io.out()).toContain("exported 1 space(s) to spaces");
  });

  test("the file reads like one a person would write: friendly keys, block text, no serialized JSON", async () => {
    ui("Sales Analytics");
    await runExport({ ...settings(), pattern: "*", out: "spaces" }, bufferIo());
    const text = fs.readFileSync(path.join(project, "spaces", "sales_analytics.yaml"), "utf8");
    const doc = parse(text) as Record<string, unknown>;
    expect(doc.name).toBe("sales_analytics");
    expect(doc).not.toHaveProperty("serialized_space");
    expect(doc).toHaveProperty("data_sources");
    expect(text).not.toMatch(/"version":/);
  });

  test("--templatize writes ${var} for each literal, and the file reproduces the space with those values", async () => {
    const made = ui("Sales Analytics");
    await runExport({ ...settings(), pattern: "*", out: "spaces", templatize: { catalog: "dev_catalog", schema: "analytics", warehouse_id: "wh-dev" } }, bufferIo());
    const text = fs.readFileSync(path.join(project, "spaces", "sales_analytics.yaml"), "utf8");
    expect(text).toContain("${catalog}.${schema}.customers");
    expect(text).toContain("warehouse_id: ${warehouse_id}");
    expect(text).not.toContain("dev_catalog");
    const [loaded] = await loadSpaceFiles(path.join(project, "spaces"), { variables: { catalog: "dev_catalog", schema: "analytics", warehouse_id: "wh-dev" } });
    expect(compareSpaces(loaded.definition, made.serialized_space)).toEqual([]);
    const [prod] = await loadSpaceFiles(path.join(project, "spaces"), { variables: { catalog: "prod_catalog", schema: "gold", warehouse_id: "wh-prod" } });
    expect(JSON.stringify(prod.definition)).toContain("prod_catalog.gold.customers");
    expect(prod.warehouseId).toBe("wh-prod");
  });

  test("--stack records genie:adopt (name → space id) and missing variables, keeping the file's comments", async () => {
    const a = ui("Sales Analytics");
    const b = ui("Support Desk");
    const io = bufferIo();
    expect(await runExport({ ...settings(), stack: "dev", pattern: "*", out: "spaces", templatize: { catalog: "dev_catalog", warehouse_id: "wh-other" } }, io)).toBe(0);
    const text = fs.readFileSync(path.join(project, "stacks", "Pulumi.dev.yaml"), "utf8");
    expect(text).toContain("# dev workspace — keep this comment");
    expect(text).toContain("# the dev warehouse");
    const config = (parse(text) as { config: Record<string, Record<string, string>> }).config;
    expect(config["genie:adopt"]).toEqual({ sales_analytics: a.space_id, support_desk: b.space_id });
    expect(config["genie:variables"]).toEqual({ warehouse_id: "wh-dev", catalog: "dev_catalog" });
    // The existing, different warehouse value is kept and reported, never overwritten.
    expect(io.err()).toMatch(/kept genie:variables\.warehouse_id = "wh-dev"/);
    expect(io.out()).toMatch(/recorded 2 adoption\(s\) \(genie:adopt\) in stacks\/Pulumi\.dev\.yaml/);
  });

  test("--stack on a project deploying another folder says how to point the stack at the exported files", async () => {
    fs.appendFileSync(path.join(project, "Pulumi.yaml"), "config:\n  genie:spacesDir:\n    type: string\n    default: examples/spaces\n");
    ui("Sales Analytics");
    const io = bufferIo();
    await runExport({ ...settings(), stack: "dev", pattern: "*", out: "exported" }, io);
    expect(io.err()).toContain("pulumi config set genie:spacesDir exported --stack dev");
  });

  test("exporting again keeps each adopted space's name and file, even after a rename in the UI", async () => {
    const made = ui("Sales Analytics");
    await runExport({ ...settings(), stack: "dev", pattern: "*", out: "spaces" }, bufferIo());
    emulator.spaces.uiEdit(made.space_id, { title: "Revenue" });
    await runExport({ ...settings(), stack: "dev", pattern: "*", out: "spaces" }, bufferIo());
    expect(fs.readdirSync(path.join(project, "spaces"))).toEqual(["sales_analytics.yaml"]);
    expect(fs.readFileSync(path.join(project, "spaces", "sales_analytics.yaml"), "utf8")).toContain("title: Revenue");
  });

  test("a file already in the folder for another space is never overwritten; re-exporting without a stack reuses the file", async () => {
    fs.mkdirSync(path.join(project, "spaces"));
    // Another space's file under the name the export would pick (its title differs: a file with the
    // same title in the same folder would be this space's own file, and the space is then skipped).
    const mine = "name: sales\ntitle: Sales (mine)\nwarehouse_id: w\n";
    fs.writeFileSync(path.join(project, "spaces", "sales.yaml"), mine);
    const made = ui("Sales");
    await runExport({ ...settings(), pattern: "*", out: "spaces" }, bufferIo());
    await runExport({ ...settings(), pattern: "*", out: "spaces" }, bufferIo());
    expect(fs.readFileSync(path.join(project, "spaces", "sales.yaml"), "utf8")).toBe(mine);
    expect(fs.readdirSync(path.join(project, "spaces")).sort()).toEqual(["sales.yaml", "sales_2.yaml"]);
    expect(fs.readFileSync(path.join(project, "spaces", "sales_2.yaml"), "utf8")).toContain(`space ${made.space_id}.`);
  });

  test("two spaces with the same title get distinct names", async () => {
    ui("Sales", { parent_path: "/Shared" });
    ui("Sales", { parent_path: "/Users/dev@example.com" });
    await runExport({ ...settings(), pattern: "*", out: "spaces" }, bufferIo());
    expect(fs.readdirSync(path.join(project, "spaces")).sort()).toEqual(["sales.yaml", "sales_2.yaml"]);
    expect((await loadSpaceFiles(path.join(project, "spaces"))).map((s) => s.name).sort()).toEqual(["sales", "sales_2"]);
  });

  test("--space-id exports exactly those; an unknown id fails with the API's answer and the fix, the rest still export", async () => {
    const a = ui("Sales Analytics");
    ui("Support Desk");
    const missing = "0123456789abcdef0123456789abcdef";
    const io = bufferIo();
    expect(await runExport({ ...settings(), spaceIds: [a.space_id, missing], out: "spaces" }, io)).toBe(1);
    expect(fs.readdirSync(path.join(project, "spaces"))).toEqual(["sales_analytics.yaml"]);
    expect(io.err()).toMatch(new RegExp(`cannot read Genie space "${missing}": .*404`));
    expect(io.err()).toMatch(/fix: the space does not exist or the caller cannot see it/);
    expect(io.out()).toContain("exported 1 space(s) to spaces, 1 failed");
  });

  test("a space the caller may only run (no serialized_space) is reported with the permission it needs", async () => {
    const a = ui("Sales Analytics");
    emulator.spaces.setPermission(a.space_id, emulator.token, "CAN_RUN");
    const io = bufferIo();
    expect(await runExport({ ...settings(), pattern: "*", out: "spaces" }, io)).toBe(1);
    expect(io.err()).toMatch(/no serialized_space[\s\S]*fix: the caller needs CAN EDIT/);
  });

  test("without a terminal, progress is one plain line per space (no control characters)", async () => {
    for (let i = 0; i < 3; i++) ui(`Space ${i}`);
    const io = bufferIo({ tty: false });
    await runExport({ ...settings(), pattern: "*", out: "spaces" }, io);
    expect(io.err()).not.toMatch(/[\r\x1b]/);
    expect(io.err().match(/^\[\d\/3\] read "Space \d"/gm)).toHaveLength(3);
  });

  test("on a terminal, progress is one status line redrawn in place and cleared at the end", async () => {
    for (let i = 0; i < 3; i++) ui(`Space ${i}`);
    const io = bufferIo({ tty: true });
    await runExport({ ...settings(), pattern: "*", out: "spaces" }, io);
    expect(io.err()).toContain("\r\x1b[2Kexporting [3/3]");
    expect(io.err().endsWith("\r\x1b[2K")).toBe(true);
    expect(io.err()).not.toContain("\n");
  });

  test("a large workspace: 250 spaces over 3 list pages all export, reads run concurrently, progress counts every one", async () => {
    // Each request takes at least 40 ms at the server, so requests that start within 40 ms of each other overlap.
    emulator.setOptions({ latencyMs: 40 });
    try {
      const body = JSON.stringify({ version: 2, data_sources: { tables: [{ identifier: "dev_catalog.analytics.orders" }] } });
      for (let i = 0; i < 250; i++) emulator.spaces.uiCreate({ title: `Team ${String(i).padStart(3, "0")}`, warehouse_id: "wh-dev", serialized_space: body });
      emulator.clearRequests();
      const io = bufferIo();
      // The client's default budget is 20 requests/s per workspace (the API's limit); lift it for the test.
      const fast = { ...settings(), clientOptions: { minRetryDelayMs: 1, maxRetryDelayMs: 5, requestsPerSecond: 10_000 } };
      expect(await runExport({ ...fast, pattern: "Team*", out: "spaces", concurrency: 16 }, io)).toBe(0);
      // Reads run concurrently: some 40 ms window saw at least 8 of them start (one at a time, never more than 1).
      const starts = emulator
        .requests()
        .filter((r) => r.method === "GET" && r.path.startsWith("/api/2.0/genie/spaces/"))
        .map((r) => r.time)
        .sort((a, b) => a - b);
      const widest = Math.max(...starts.map((t, i) => starts.filter((u, j) => j >= i && u - t < 40).length));
      expect(widest).toBeGreaterThanOrEqual(8);
      expect(fs.readdirSync(path.join(project, "spaces"))).toHaveLength(250);
      expect(emulator.requests().filter((r) => r.path === "/api/2.0/genie/spaces")).toHaveLength(3);
      expect(io.err().match(/^\[\d+\/250\] read /gm)).toHaveLength(250);
      expect(io.err()).toContain("[250/250]");
    } finally {
      emulator.setOptions({ latencyMs: 0 });
    }
  });

  test("--json prints each exported file with its space id, for scripts", async () => {
    const made = ui("Sales Analytics");
    const io = bufferIo();
    expect(await runExport({ ...settings(), pattern: "*", out: "spaces", json: true }, io)).toBe(0);
    const result = JSON.parse(io.out()) as { exported: { name: string; spaceId: string; file: string }[]; failed: unknown[] };
    expect(result.exported).toEqual([{ name: "sales_analytics", spaceId: made.space_id, title: "Sales Analytics", file: path.join(project, "spaces", "sales_analytics.yaml") }]);
    expect(result.failed).toEqual([]);
  });

  test("neither --space-id nor --pattern: exit 2 and what to add", async () => {
    const io = bufferIo();
    expect(await runExport({ ...settings(), out: "spaces" }, io)).toBe(2);
    expect(io.err()).toMatch(/--space-id ID\.\.\. or --pattern GLOB/);
  });
});

describe("export helpers", () => {
  test.each([
    ["Sales Analytics (dev)", "sales_analytics_dev"],
    ["  Ventes — Été 2026 ", "ventes_ete_2026"],
    ["2026 plan", "space_2026_plan"],
    ["???", "space_01234567"],
  ])("name from title %j → %s", (title, name) => {
    expect(nameFromTitle(title, "0123456789abcdef0123456789abcdef")).toBe(name);
  });

  test("--templatize accepts comma lists and repeats, and rejects pairs without a name or value", () => {
    expect(parseTemplatize(["catalog=dev_catalog,schema=analytics", "warehouse_id=abc"])).toEqual({ catalog: "dev_catalog", schema: "analytics", warehouse_id: "abc" });
    expect(() => parseTemplatize(["=dev"])).toThrow(/name=literal/);
    expect(() => parseTemplatize(["catalog="])).toThrow(/name=literal/);
  });
});
