/**
 * Hostile and broken input: bounded reports (the first 50 problems of a file and a count of the
 * rest), bytes that are not UTF-8, alias bombs, oversized files, and `${` that must never reach
 * the API. Timing is shown by test/bench/space-files.bench.js --pathological, not asserted here.
 */
import { loadSpaceFiles, normalizeSpace } from "../../provider/lib/space";
import { loadError, useTempDir, writeIn } from "./helpers";

const tempDir = useTempDir("space-hostile-");
const write = (name: string, content: string | Buffer) => writeIn(tempDir(), name, content);

const HEAD = "name: s\ntitle: T\nwarehouse_id: wh\n";

describe("a file lists its first 50 problems and counts the rest", () => {
  it("20,000 unknown keys: 50 listed in order, with positions, and 19,950 counted", async () => {
    const file = await write("keys.yaml", HEAD + Array.from({ length: 20000 }, (_, i) => `unknown_key_${i}: ${i}\n`).join(""));
    const err = await loadError(file);
    expect(err.problems).toHaveLength(50);
    expect(err.problems[0]).toEqual({
      file, line: 4, col: 1, path: "unknown_key_0",
      message: 'unknown field "unknown_key_0": allowed fields here are version, config, data_sources, instructions, benchmarks, sample_questions',
    });
    expect(err.problems[49]).toMatchObject({ line: 53, path: "unknown_key_49" });
    expect(err.omitted).toEqual([{ file, count: 19950 }]);
    const lines = err.message.split("\n");
    expect(lines).toHaveLength(51);
    expect(lines[50]).toBe(`${file}: 19950 more problems not listed (a file lists its first 50): fix these and validate again`);
  });

  it("the count follows its own file when several files have problems", async () => {
    const many = await write("a.yaml", HEAD + "data_sources:\n  tables:\n" + Array.from({ length: 60 }, (_, i) => `    - s.t${i}\n`).join(""));
    const one = await write("b.yaml", HEAD + "data_source: {}\n");
    const err = await loadError(tempDir());
    expect(err.problems.filter((p) => p.file === many)).toHaveLength(50);
    expect(err.problems.filter((p) => p.file === one)).toHaveLength(1);
    // 60 invalid tables, and 60 data sources are more than the 30 a space may have
    expect(err.omitted).toEqual([{ file: many, count: 11 }]);
    const lines = err.message.split("\n");
    expect(lines[50]).toMatch(/a\.yaml: 11 more problems not listed/);
    expect(lines[51]).toMatch(/b\.yaml:4:1 data_source: unknown field "data_source": did you mean "data_sources"\?/);
  });

  it("duplicate keys are capped the same way", async () => {
    const file = await write("dup.yaml", HEAD + "data_sources:\n" + "  tables: []\n".repeat(200));
    const err = await loadError(file);
    expect(err.problems).toHaveLength(50);
    expect(err.problems[0]).toMatchObject({ line: 6, message: 'duplicate key "tables" (also on line 5): a mapping has each key once; merge the two, or rename one' });
    expect(err.omitted).toEqual([{ file, count: 149 }]);
  });

  it("normalizeSpace without a cap still reports every problem", () => {
    const input = Object.fromEntries(Array.from({ length: 120 }, (_, i) => [`k${i}`, 1]));
    expect(normalizeSpace(input).problems).toHaveLength(120);
  });
});

describe("bytes and sizes", () => {
  it("a byte that is not UTF-8 is an error naming the file, line and byte offset", async () => {
    const text = Buffer.concat([Buffer.from(HEAD + "description: caf"), Buffer.from([0xe9]), Buffer.from("\n")]);
    const file = await write("latin1.yaml", text);
    const err = await loadError(file);
    expect(err.problems).toEqual([{
      file, line: 4, col: 17, path: "",
      message: `the file is not valid UTF-8: byte 0xE9 at byte offset ${Buffer.byteLength(HEAD) + 16} does not start a UTF-8 character; save the file as UTF-8`,
    }]);
  });

  it("a truncated or overlong sequence is found too, after valid multi-byte characters", async () => {
    const file = await write("cut.yaml", Buffer.concat([Buffer.from(HEAD + "description: é€😀 "), Buffer.from([0xc0, 0xaf])]));
    const err = await loadError(file);
    expect(err.problems[0].message).toMatch(new RegExp(`byte 0xC0 at byte offset ${Buffer.byteLength(HEAD + "description: é€😀 ")} `));
    // columns count UTF-16 code units, as editors do (😀 is two)
    expect(err.problems[0]).toMatchObject({ line: 4, col: 19 });
  });

  it("a file larger than 10 MB is refused without being parsed", async () => {
    const file = await write("huge.yaml", HEAD + "description: " + "x".repeat(10 * 1024 * 1024) + "\n");
    const err = await loadError(file);
    expect(err.problems).toEqual([expect.objectContaining({ file, line: 1, message: expect.stringMatching(/^the file is 10\.0 MB, more than the 10\.0 MB a space file may have/) })]);
  });

  it("an alias bomb is a problem of its file, at its first alias", async () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 0; i < 8; i++) {
      const p = String.fromCharCode(97 + i), c = String.fromCharCode(98 + i);
      levels.push(`${c}: &${c} [${Array(9).fill(`*${p}`).join(", ")}]`);
    }
    const file = await write("bomb.yaml", HEAD + levels.join("\n") + "\n");
    const err = await loadError(file);
    expect(err.problems).toEqual([{
      file, line: 5, col: 8, path: "",
      message: expect.stringMatching(/^cannot read the YAML: Excessive alias count .*; write the values out instead of repeating aliases/),
    }]);
    expect(err.message.startsWith(`${file}:5:8: cannot read the YAML`)).toBe(true);
  });
});

describe("no ${ reaches the API", () => {
  it("a variable whose value holds ${ is an error at the reference", async () => {
    const file = await write("v.yaml", HEAD + "data_sources:\n  tables:\n    - identifier: ${catalog}.s.t\n");
    const err = await loadError(file, { variables: { catalog: "${other}" } });
    expect(err.problems).toEqual([{
      file, line: 6, col: 19, path: "data_sources.tables[0].identifier",
      message: 'variable "catalog" has the value "${other}", which contains "${": values are not expanded again, so it would reach the API as written; give catalog its final value',
    }]);
  });

  it("a $${ escape writes a literal ${ into text, never into a name", async () => {
    const text = await write("text.yaml", HEAD + "description: costs $${amount}\ndata_sources:\n  tables:\n    - identifier: a.b.c\n      description: uses $${x}\n");
    const [space] = await loadSpaceFiles(text);
    expect(space.description).toBe("costs ${amount}");
    expect(space.definition.data_sources.tables![0].description).toEqual(["uses ${x}"]);

    const names = await write("names.yaml", "name: s\ntitle: T\nwarehouse_id: $${wh}\nparent_path: /Shared/$${x}\ndata_sources:\n  tables:\n    - $${c}.s.t\n");
    const err = await loadError(names);
    expect(err.problems.map((p) => [p.line, p.path])).toEqual([[4, "parent_path"], [3, "warehouse_id"], [7, "data_sources.tables[0].identifier"]]);
    expect(err.problems[2].message).toBe('"${c}.s.t" contains "${": a name cannot hold a variable reference; define the variable, or write the name itself');
  });

  it("a warehouse_id taken from a variable is checked too", async () => {
    const file = await write("w.yaml", "name: s\ntitle: T\n");
    const err = await loadError(file, { variables: { warehouse_id: "${wh}" } });
    expect(err.problems).toEqual([expect.objectContaining({ line: 1, message: expect.stringMatching(/^warehouse_id the string "\$\{wh\}" contains "\$\{"/) })]);
  });

  it("a definition given in a program is held to the same rule", () => {
    expect(normalizeSpace({ data_sources: { tables: ["${catalog}.s.t"] } }).problems).toEqual([
      { path: "data_sources.tables[0].identifier", message: expect.stringContaining('contains "${"') },
    ]);
  });
});
