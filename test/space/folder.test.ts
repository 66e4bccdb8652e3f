/**
 * Large folders: every space of hundreds of files (YAML and JSON, in subfolders) loads, in file
 * order, exactly as each file loads alone; problems of many files come in file order with their
 * positions; a loaded definition changed afterwards is validated again.
 */
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadSpaceFiles, toSerializedSpace } from "../../provider/lib/space";
import { loadError, useTempDir } from "./helpers";

const COUNT = 300;

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

/** Every third file is JSON, every fifth in a subfolder; the file names sort in number order. */
function fileOf(dir: string, n: number): string {
  const name = `f${String(n).padStart(3, "0")}.${n % 3 ? "yaml" : "json"}`;
  return n % 5 ? path.join(dir, name) : path.join(dir, `f${String(n).padStart(3, "0")}-sub`, name);
}

const tempDir = useTempDir("space-folder-");

async function writeAll(edit: (n: number, text: string) => string = (_n, t) => t): Promise<void> {
  for (let n = 0; n < COUNT; n++) {
    const file = fileOf(tempDir(), n);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const text = edit(n, space(n));
    // The JSON twin keeps `${…}` references and the date as text, as a JSON author writes them.
    await fs.writeFile(file, n % 3 ? text : JSON.stringify(jsonOf(text)));
  }
}

function jsonOf(yamlText: string): unknown {
  return parse(yamlText);
}

const OPTS = { env: "dev", variables: { catalog: "main" } };

describe("a folder of hundreds of space files", () => {
  it("loads every space in file order, each exactly as its file loads alone", async () => {
    await writeAll();
    const all = await loadSpaceFiles(tempDir(), OPTS);
    expect(all.map((s) => s.name)).toEqual(Array.from({ length: COUNT }, (_, n) => `s${String(n).padStart(3, "0")}`));
    expect(all.warnings).toEqual([]);
    for (const n of [0, 1, 5, 149, 299]) {
      const [alone] = await loadSpaceFiles(fileOf(tempDir(), n), OPTS);
      expect(all[n]).toEqual(alone);
      expect(toSerializedSpace(all[n].definition)).toBe(toSerializedSpace(alone.definition));
    }
    expect(all[3]).toMatchObject({ title: "Space 3 in dev", warehouseId: "wh", file: fileOf(tempDir(), 3) });
    expect(all[3].definition.instructions!.example_question_sqls![0].parameters).toEqual([{ name: "d", default_value: { values: ["2026-01-01"] } }]);
    expect(all[7].definition.data_sources.tables![0].identifier).toBe("main.sales.t7");
  });

  it("a loaded definition changed afterwards is validated again", async () => {
    await writeAll();
    const [first] = await loadSpaceFiles(tempDir(), OPTS);
    first.definition.data_sources.tables![0].identifier = "only.two";
    expect(() => toSerializedSpace(first.definition)).toThrow(/3-part name/);
  });

  it("reports the problems of many files together, in file order, with positions", async () => {
    await writeAll((n, text) => {
      if (n === 7) return text.replace("SELECT 1", "${missing}");
      if (n === 20) return text.replace("column_configs", "column_config");
      if (n === 41) return text.replace(/^name: .*$/m, "name: s007");
      if (n === 55) return text.replace("title: Space", "title: [Space");
      if (n === 298) return text.replace("warehouse_id: wh", "warehouse_id: [wh]");
      return text;
    });
    const err = await loadError(tempDir(), OPTS);
    expect(err.problems.map((p) => [path.relative(tempDir(), p.file), p.line, p.path])).toEqual([
      ["f007.yaml", 12, "instructions.example_question_sqls[0].sql"],
      ["f020-sub/f020.yaml", 7, "data_sources.tables[0].column_config"],
      ["f041.yaml", 1, "name"],
      ["f055-sub/f055.yaml", 2, ""],
      ["f298.yaml", 3, "warehouse_id"],
    ]);
    expect(err.problems[0]).toMatchObject({ col: 12, message: expect.stringMatching(/^undefined variable "missing"/) });
    expect(err.problems[2].message).toBe(`space name "s007" is already used in ${path.join(tempDir(), "f007.yaml")}: names must be unique, rename one`);
    // every other space is valid, and listed as such
    expect(err.spaces).toHaveLength(COUNT - 5);
    expect(err.spaces.map((s) => s.name)).not.toContain("s020");
  });
});
