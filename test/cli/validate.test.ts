/** `validate`: every file and every error at once, variables from the stack file, reports for people, tools and CI. */
import * as fs from "node:fs";
import * as path from "node:path";
import { runValidate } from "../../provider/tools/cli/validate";
import { bufferIo, removeDir, scratchProject } from "./helpers";

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
