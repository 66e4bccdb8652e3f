/**
 * Large folders are validated on worker threads. Workers run compiled JS, so this test drives the
 * build (`npx tsc -p tsconfig.json` first, as for test/cli) and compares it with the in-process
 * loader from source: same spaces in the same order, same definitions, same error report.
 */
import { existsSync, promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { loadSpaceFiles as loadInProcess, SpaceFileError, toSerializedSpace } from "../../provider/lib/space";

const DIST = path.join(__dirname, "..", "..", "dist", "provider", "lib", "space");
const built = require(path.join(DIST, "index.js")) as typeof import("../../provider/lib/space");
const pool = require(path.join(DIST, "file-pool.js")) as typeof import("../../provider/lib/space/file-pool");

const COUNT = 80; // above the worker threshold

function space(n: number): string {
  return [
    `name: s${String(n).padStart(3, "0")}`,
    `title: Space ${n} in \${env}`,
    "warehouse_id: wh",
    "data_sources:",
    "  tables:",
    `    - identifier: \${catalog}.sales.t${n}`,
    "      column_configs:",
    "        - {column_name: region, enable_format_assistance: true, enable_entity_matching: true}",
    "instructions:",
    "  example_question_sqls:",
    `    - question: "Question ${n}?"`,
    "      sql: SELECT 1",
    "      parameters: [{name: d, default_value: 2026-01-01}]",
  ].join("\n") + "\n";
}

let dir: string;
beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), "space-workers-")); });
afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

async function writeAll(edit: (n: number, text: string) => string = (_n, t) => t): Promise<void> {
  await Promise.all(Array.from({ length: COUNT }, (_, n) =>
    fs.writeFile(path.join(dir, `f${String(n).padStart(3, "0")}.${n % 2 ? "yaml" : "json"}`),
      n % 2 ? edit(n, space(n)) : JSON.stringify(jsonOf(edit(n, space(n)))))));
}

/** The JSON twin of a YAML space (via the reference parser), so both file kinds are covered. */
function jsonOf(yamlText: string): unknown {
  return parseYaml(yamlText);
}

async function rejection(p: Promise<unknown>): Promise<SpaceFileError> {
  try { await p; } catch (e) { return e as SpaceFileError; }
  throw new Error("expected a rejection");
}

const OPTS = { env: "dev", variables: { catalog: "main" } };

describe("loading a large folder on worker threads", () => {
  it("uses the compiled worker script (the build must exist)", () => {
    expect(existsSync(path.join(DIST, "file-worker.js"))).toBe(true);
    expect(pool.workerScript()).toBe(path.join(DIST, "file-worker.js"));
    expect(COUNT).toBeGreaterThan(pool.WORKER_THRESHOLD);
  });

  it("gives the same spaces, in file order, as the in-process loader", async () => {
    await writeAll();
    const [threaded, here] = await Promise.all([built.loadSpaceFiles(dir, OPTS), loadInProcess(dir, OPTS)]);
    expect(threaded.map((s) => s.name)).toEqual(here.map((s) => s.name));
    expect(threaded.map((s) => s.definition)).toEqual(here.map((s) => s.definition));
    expect(threaded.map((s) => built.toSerializedSpace(s.definition))).toEqual(here.map((s) => toSerializedSpace(s.definition)));
    expect(threaded[3]).toMatchObject({ title: "Space 3 in dev", warehouseId: "wh", file: path.join(dir, "f003.yaml") });
  });

  it("a definition from a worker is still checked again after it is changed", async () => {
    await writeAll();
    const [first] = await built.loadSpaceFiles(dir, OPTS);
    first.definition.data_sources.tables![0].identifier = "only.two";
    expect(() => built.toSerializedSpace(first.definition)).toThrow(/3-part name/);
  });

  it("reports the same problems, in the same order, with positions, as the in-process loader", async () => {
    await writeAll((n, text) => {
      if (n === 7) return text.replace("SELECT 1", "${missing}");
      if (n === 20) return text.replace("column_configs", "column_config");
      if (n === 41) return text.replace(/^name: .*$/m, "name: s007");
      if (n === 55) return text.replace("title: Space", "title: [Space");
      return text;
    });
    const [threaded, here] = await Promise.all([rejection(built.loadSpaceFiles(dir, OPTS)), rejection(loadInProcess(dir, OPTS))]);
    expect(threaded.message).toBe(here.message);
    expect(threaded.problems.map((p) => [path.basename(p.file), p.path])).toEqual([
      ["f007.yaml", "instructions.example_question_sqls[0].sql"],
      ["f020.json", "data_sources.tables[0].column_config"],
      ["f041.yaml", "name"],
      ["f055.yaml", ""],
    ]);
    expect(threaded.problems[0]).toMatchObject({ line: 12, col: 12 });
  });
});
