import { promises as fs } from "node:fs";
import * as path from "node:path";
import { parse as referenceParse, parseDocument } from "yaml";
import { fastParseYaml } from "../../provider/lib/space/fast-yaml";

/** What the reference parser (the `yaml` package, YAML 1.2 core) makes of a text, or "error". */
function reference(text: string): unknown {
  const doc = parseDocument(text);
  return doc.errors.length ? "error" : doc.toJS();
}

/** Scalars where YAML libraries commonly disagree; both parsers must read them alike. */
const SCALARS = [
  "010", "0o17", "0x1F", "0b101", "1_000", "+12", "-7", "1.50", "1e3", ".5", "-.inf", ".NaN", "12:30:00",
  "2026-01-01", "2026-01-01T10:00:00Z", "yes", "no", "on", "off", "y", "n", "True", "FALSE", "tRUE",
  "~", "null", "Null", "NULL", "", "'010'", "\"yes\"", "0.", "00", "1.2.3", "12345678901234567890",
  "=", "<<", "!!str 010", "${catalog}.sales.t", "a: b", "`l`.`id` = `r`.`id`", "SUM(x) * 2",
];

describe("the fast YAML parse reads scalars exactly as the yaml package does", () => {
  it.each(SCALARS)("value %p", (scalar) => {
    const text = `value: ${scalar}\nlist: [${scalar}]\n`;
    const fast = fastParseYaml(text);
    const expected = reference(text);
    if (expected === "error") expect(fast).toBeUndefined();
    else expect(fast).toEqual({ data: expected });
  });
});

const DOCUMENTS: Array<[string, string]> = [
  ["block scalars keep and strip newlines", "a: |\n  one\n  two\nb: >\n  folded\n  text\n\nc: |-\n  x\nd: |+\n  y\n\n"],
  ["flow mappings and quoting", "left: {identifier: \"a.b.c\", alias: l}\nsql: \"`l`.`id` = `r`.`id`\"\nq: 'it''s'\n"],
  ["escapes in double quotes", "s: \"tab\\tnew\\nline \\u00e9 \\\\ end\"\n"],
  ["comments and document markers", "---\n# comment\nname: x # trailing\n...\n"],
  ["merge keys stay plain keys (YAML 1.2)", "base: &b {x: 1}\nitem:\n  <<: *b\n  y: 2\n"],
  ["CRLF line endings", "name: x\r\ntitle: y\r\nlist:\r\n  - a\r\n  - b\r\n"],
  ["empty document", ""],
  ["only a comment", "# nothing\n"],
  ["a top-level list", "- a\n- b\n"],
];

describe("the fast YAML parse reads whole documents as the yaml package does", () => {
  it.each(DOCUMENTS)("%s", (_what, text) => {
    const fast = fastParseYaml(text);
    const expected = reference(text);
    // Documents the fast path declines (anchors, directives) go to the reference parser.
    if (fast !== undefined) expect(fast.data ?? null).toEqual(expected);
  });

  it("declines anchors and directives, which the reference parser treats differently", () => {
    expect(fastParseYaml("base: &b {x: 1}\nitem: *b\n")).toBeUndefined();
    expect(fastParseYaml("%YAML 1.1\n---\na: yes\n")).toBeUndefined();
  });

  it("declines what it cannot parse (the reference parser then reports the error)", () => {
    for (const text of ["a: [unclosed\n", "a: 1\na: 2\n", "a: b: c\n", "\tname: x\n", "a: !!timestamp 2026-01-01\n"]) {
      expect(fastParseYaml(text)).toBeUndefined();
    }
  });

  it("reads the genie-forge fixtures exactly as the yaml package does", async () => {
    const dir = path.join(__dirname, "fixtures", "genie-forge", "conf");
    const files = [
      ...(await fs.readdir(path.join(dir, "spaces"))).map((f) => path.join(dir, "spaces", f)),
      ...(await fs.readdir(path.join(dir, "environments"))).map((f) => path.join(dir, "environments", f)),
    ];
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = await fs.readFile(file, "utf8");
      const fast = fastParseYaml(text);
      if (fast !== undefined) expect(fast.data).toEqual(referenceParse(text));
    }
  });
});
