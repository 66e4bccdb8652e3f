/** `validate`: every file and every error at once, variables from the stack file, reports for people, tools and CI. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { runValidate } from "../../provider/tools/cli/validate";
import { forgeEntityMatchingSpace } from "../fixtures";
import { bufferIo, removeDir, scratchDir, scratchProject } from "./helpers";

const GOOD = `name: sales
title: Sales (\${env})
warehouse_id: \${warehouse_id}
data_sources:
  tables:
    - identifier: \${catalog}.sales.orders
`;
const BAD = `name: broken
title: Broken
warehouse_id: abc
data_sources:
  tables:
    - identifier: only_two.parts
      colum_configs: []
`;

describe("validate", () => {
  let project: string;
  beforeEach(() => {
    project = scratchProject({ dev: "config:\n  genie:variables:\n    catalog: dev_catalog\n    warehouse_id: wh-dev\n" });
    fs.mkdirSync(path.join(project, "spaces"));
    fs.writeFileSync(path.join(project, "spaces", "sales.yaml"), GOOD);
  });
  afterEach(() => removeDir(project));

  test("valid files with the stack's variables: exit 0 and one ok line per space", async () => {
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", stack: "dev", projectDir: project }, io)).toBe(0);
    expect(io.out()).toBe("ok  sales  (spaces/sales.yaml)\n1 space(s) valid\n");
  });

  test("a variable the stack does not define is an error naming the variable, file and line", async () => {
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", projectDir: project }, io)).toBe(1);
    expect(io.err()).toMatch(/sales\.yaml:3:\d+ .*warehouse_id/);
    expect(io.err()).toMatch(/catalog/);
  });

  test("every problem of every file is reported at once, as json for tools", async () => {
    fs.writeFileSync(path.join(project, "spaces", "broken.yaml"), BAD);
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", stack: "dev", projectDir: project, format: "json" }, io)).toBe(1);
    const report = JSON.parse(io.out()) as { ok: boolean; problems: { file: string; line: number; path: string; message: string }[] };
    expect(report.ok).toBe(false);
    expect(report.problems.length).toBeGreaterThanOrEqual(2);
    expect(report.problems.every((p) => p.file.endsWith("broken.yaml"))).toBe(true);
    expect(report.problems.map((p) => p.message).join("\n")).toMatch(/column_configs/);
  });

  test("--format github prints one ::error annotation per problem, on the problem's file and line", async () => {
    fs.writeFileSync(path.join(project, "spaces", "broken.yaml"), BAD);
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", stack: "dev", projectDir: project, format: "github" }, io)).toBe(1);
    const lines = io.out().trimEnd().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l).toMatch(/^::error file=spaces\/broken\.yaml,line=\d+,col=\d+,title=[^:]*::\S/);
  });

  test("--var wins over the stack's value", async () => {
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", stack: "dev", vars: ["catalog=other"], projectDir: project, format: "json" }, io)).toBe(0);
  });

  test("an unknown stack: exit 1 and which file was expected", async () => {
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", stack: "qa", projectDir: project }, io)).toBe(1);
    expect(io.err()).toMatch(/no stack file for "qa": expected .*stacks\/Pulumi\.qa\.yaml/);
  });
});

/**
 * The newcomer's `validate` step, run as a user runs it: the built command (`dist/`, built by
 * `npm test` before jest) in a child process, from the project folder.
 */
const MAIN = path.resolve(__dirname, "../../dist/provider/tools/cli/main.js");

function cli(cwd: string, ...args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const DEV_STACK = "config:\n  genie:variables:\n    catalog: dev_catalog\n    schema: sales\n    warehouse_id: wh-dev\n";

describe("validate, run as a process", () => {
  let project: string;
  let outside: string;
  beforeEach(() => {
    project = scratchProject({ dev: DEV_STACK });
    outside = scratchDir("pulumi-genie-outside-");
    fs.mkdirSync(path.join(project, "spaces"));
    fs.writeFileSync(path.join(project, "spaces", "sales.yaml"), GOOD);
  });
  afterEach(() => { removeDir(project); removeDir(outside); });

  test("--var a=1,b=2 gives two variables, as clone --var does; a malformed pair is refused with clone's message", () => {
    const two = cli(project, "validate", "spaces", "--var", "catalog=main,warehouse_id=wh,env=dev");
    expect(two.err).toBe("");
    expect(two.out).toBe("ok  sales  (spaces/sales.yaml)\n1 space(s) valid\n");
    expect(two.status).toBe(0);
    const repeated = cli(project, "validate", "--var", "catalog=main", "--var", "warehouse_id=wh,env=dev", "spaces");
    expect(repeated.status).toBe(0);
    const bad = cli(project, "validate", "spaces", "--var", "catalog");
    expect(bad.status).toBe(2);
    expect(bad.err).toBe('error: --var expects name=value pairs such as catalog=dev_catalog,schema=analytics (got "catalog")\n');
    const clone = cli(project, "clone", "0123456789abcdef0123456789abcdef", "--name", "X", "--to-workspace", "--var", "catalog");
    expect(clone.status).toBe(2);
    expect(clone.err).toBe(bad.err);
  });

  test("a misspelled variable gets a did-you-mean naming the defined one", () => {
    fs.writeFileSync(path.join(project, "spaces", "sales.yaml"), GOOD.replace("${catalog}", "${catalgo}"));
    const r = cli(project, "validate", "spaces", "--stack", "dev");
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^spaces\/sales\.yaml:6:19 data_sources\.tables\[0\]\.identifier: undefined variable "catalgo": did you mean \$\{catalog\}\?/m);
  });

  test("a path that does not exist is a clear error with exit 2, not a raw ENOENT", () => {
    const r = cli(project, "validate", "spaces2");
    expect(r.status).toBe(2);
    expect(r.err).toBe(`error: no such file or folder: spaces2 (looked for ${path.join(fs.realpathSync(project), "spaces2")})\n  pass the file or folder that holds your space files\n`);
    expect(r.err).not.toMatch(/ENOENT/);
    const fromStack = cli(project, "validate", "--stack", "dev");
    // no genie:spacesDir anywhere: the scaffold's Pulumi.yaml declares none
    expect(fromStack.status).toBe(2);
    expect(fromStack.err).toMatch(/^error: no space files given/);
  });

  test("with a broken file, the valid spaces are still listed, then every problem, then a summary", () => {
    fs.writeFileSync(path.join(project, "spaces", "broken.yaml"), BAD);
    fs.writeFileSync(path.join(project, "spaces", "more.yaml"), GOOD.replace("name: sales", "name: more").replace("title: Sales", "title: More sales"));
    const r = cli(project, "validate", "spaces", "--stack", "dev");
    expect(r.status).toBe(1);
    expect(r.out).toBe("ok  more  (spaces/more.yaml)\nok  sales  (spaces/sales.yaml)\n");
    const lines = r.err.trimEnd().split("\n");
    expect(lines.slice(0, -1).every((l) => l.startsWith("spaces/broken.yaml:"))).toBe(true);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines[lines.length - 1]).toBe(`2 spaces valid, 1 file invalid (${lines.length - 1} problems)`);
    const json = JSON.parse(cli(project, "validate", "spaces", "--stack", "dev", "--json").out);
    expect(json).toMatchObject({ ok: false, summary: { valid: 2, invalidFiles: 1, problems: lines.length - 1, warnings: 0 } });
    expect(json.spaces.map((s: { name: string }) => s.name)).toEqual(["more", "sales"]);
  });

  test("a join naming a table that is not in data_sources fails with file:line and the field path", () => {
    fs.writeFileSync(path.join(project, "spaces", "sales.yaml"), GOOD + [
      "instructions:",
      "  join_specs:",
      "    - left: {identifier: \"${catalog}.sales.orders\", alias: o}",
      "      right: {identifier: \"${catalog}.sales.customers\", alias: c}",
      "      sql: o.customer_id = c.id",
    ].join("\n") + "\n");
    const r = cli(project, "validate", "spaces", "--stack", "dev");
    expect(r.status).toBe(1);
    expect(r.err).toBe([
      'spaces/sales.yaml:10:15 instructions.join_specs[0].right.identifier: "dev_catalog.sales.customers" is not in data_sources: a join can only use the space\'s tables and metric views; add it to data_sources.tables, or fix the name',
      "0 spaces valid, 1 file invalid (1 problem)",
      "",
    ].join("\n"));
  });

  test("symbolic links are never followed: each skipped link is named with why, nothing outside is read", () => {
    const secret = path.join(outside, "credentials.yaml");
    fs.writeFileSync(secret, "name: leaked\ntitle: dapi-CANARY-0123456789\nwarehouse_id: wh\n");
    fs.mkdirSync(path.join(outside, "more"));
    fs.writeFileSync(path.join(outside, "more", "other.yaml"), "name: other\ntitle: CANARY-FOLDER\nwarehouse_id: wh\n");
    fs.symlinkSync(secret, path.join(project, "spaces", "linked.yaml"));
    fs.symlinkSync(path.join(outside, "more"), path.join(project, "spaces", "shared"), "dir");
    fs.symlinkSync(path.join(project, "spaces", "sales.yaml"), path.join(project, "spaces", "alias.yaml"));
    fs.symlinkSync(path.join(outside, "missing.yaml"), path.join(project, "spaces", "dangling.yaml"));
    fs.symlinkSync(secret, path.join(project, "spaces", "notes.txt")); // not a space file name: not read either way
    const r = cli(project, "validate", "spaces", "--stack", "dev");
    expect(r.status).toBe(0);
    expect(r.out).toBe("ok  sales  (spaces/sales.yaml)\n1 space(s) valid (4 warnings)\n");
    const real = (p: string) => fs.realpathSync(p);
    expect(r.err).toBe([
      "warning: spaces/alias.yaml: skipped: a symbolic link to the file sales.yaml of this folder; links are never followed (a file is read at its own place, once)",
      "warning: spaces/dangling.yaml: skipped: a symbolic link whose target does not exist (links are never followed)",
      `warning: spaces/linked.yaml: skipped: a symbolic link to ${real(secret)}, outside ${path.join(real(project), "spaces")}; links are never followed, so nothing outside the folder is read: copy the file into the folder if it belongs here`,
      `warning: spaces/shared: skipped: a symbolic link to ${real(path.join(outside, "more"))}, outside ${path.join(real(project), "spaces")}; links are never followed, so nothing outside the folder is read: copy the folder into the folder if it belongs here`,
      "",
    ].join("\n"));
    expect(r.out + r.err).not.toMatch(/CANARY|leaked/);
    const json = JSON.parse(cli(project, "validate", "spaces", "--stack", "dev", "--json").out);
    expect(json.warnings.map((w: { file: string }) => path.basename(w.file))).toEqual(["alias.yaml", "dangling.yaml", "linked.yaml", "shared"]);
  });

  test("a genie-forge convenience applied is a warning with file and line; an explicit false is never overridden", () => {
    fs.writeFileSync(path.join(project, "spaces", "forge.yaml"), forgeEntityMatchingSpace());
    const mapped = cli(project, "validate", "spaces", "--stack", "dev", "--format", "github");
    expect(mapped.status).toBe(0);
    expect(mapped.out).toBe("::warning file=spaces/forge.yaml,line=10,col=37,title=spaces[0].data_sources.tables[0].column_configs[0].enable_entity_matching::entity matching requires format assistance, so enable_format_assistance: true is added to this column (as genie-forge does); write it to silence this warning\n");
    expect(mapped.err).toMatch(/^warning: spaces\/forge\.yaml:10:37 spaces\[0\]\.data_sources\.tables\[0\]\.column_configs\[0\]\.enable_entity_matching: entity matching requires format assistance/m);
    fs.writeFileSync(path.join(project, "spaces", "forge.yaml"), forgeEntityMatchingSpace(", enable_format_assistance: false"));
    const refused = cli(project, "validate", "spaces", "--stack", "dev");
    expect(refused.status).toBe(1);
    expect(refused.err).toMatch(/^spaces\/forge\.yaml:10:37 .*enable_entity_matching: entity matching requires format assistance, and enable_format_assistance is false/m);
  });

  test("a byte that is not UTF-8 names the file, line and byte offset", () => {
    fs.writeFileSync(path.join(project, "spaces", "latin1.yaml"), Buffer.concat([Buffer.from("name: l\ntitle: Caf"), Buffer.from([0xe9]), Buffer.from("\nwarehouse_id: wh\n")]));
    const r = cli(project, "validate", "spaces", "--stack", "dev");
    expect(r.status).toBe(1);
    expect(r.err).toMatch(/^spaces\/latin1\.yaml:2:11: the file is not valid UTF-8: byte 0xE9 at byte offset 18 /m);
  });
});
