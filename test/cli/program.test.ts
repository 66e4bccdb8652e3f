/** The commander program: every command is registered with help, and flags reach the command. */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildProgram } from "../../provider/tools/cli/main";
import { bufferIo, removeDir, scratchProject } from "./helpers";

function program() {
  const io = bufferIo();
  let exitCode: number | undefined;
  const p = buildProgram({ ...io, setExitCode: (c) => (exitCode = c) })
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const c of p.commands) c.exitOverride().configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  return {
    io,
    exitCode: () => exitCode,
    run: (...args: string[]) => p.parseAsync(["node", "pulumi-genie", ...args]),
  };
}

describe("the pulumi-genie program", () => {
  test("registers every command of the CLI, each with a description", () => {
    const names = buildProgram(bufferIo()).commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(["validate", "list", "find", "whoami", "profiles", "export", "migrate-genie-forge", "emulator", "demo"]));
    for (const c of buildProgram(bufferIo()).commands) expect(c.description()).not.toBe("");
  });

  test.each([
    ["list", ["--host", "--profile", "--stack", "--pattern", "--output", "--json"]],
    ["find", ["--pattern", "--exclude", "--output"]],
    ["whoami", ["--host", "--profile", "--stack", "--json"]],
    ["export", ["--space-id", "--pattern", "--exclude", "--out", "--stack", "--templatize"]],
    ["migrate-genie-forge", ["--project", "--state-file", "--json"]],
    ["validate", ["--stack", "--json", "--format"]],
  ])("%s --help lists its options", (name, options) => {
    const command = buildProgram(bufferIo()).commands.find((c) => c.name() === name)!;
    const help = command.helpInformation();
    for (const o of options) expect(help).toContain(o);
  });

  test("an unknown --output is refused with exit code 2 before any request", async () => {
    const p = program();
    await p.run("list", "--output", "xml", "--host", "http://127.0.0.1:9");
    expect(p.exitCode()).toBe(2);
    expect(p.io.err()).toMatch(/--output must be one of table, json, csv/);
  });

  test("a malformed --templatize is refused with exit code 2", async () => {
    const p = program();
    await p.run("export", "--pattern", "*", "--out", "x", "--templatize", "catalog", "--host", "http://127.0.0.1:9");
    expect(p.exitCode()).toBe(2);
    expect(p.io.err()).toMatch(/--templatize expects name=literal/);
  });

  test("validate flags reach the command: --format github on a broken file exits 1 with annotations", async () => {
    const dir = scratchProject();
    try {
      fs.writeFileSync(path.join(dir, "bad.yaml"), "name: bad\ntitle: Bad\nwarehouse_id: w\ndata_sources:\n  tables:\n    - identifier: a.b\n");
      const p = program();
      await p.run("validate", path.join(dir, "bad.yaml"), "--format", "github");
      expect(p.exitCode()).toBe(1);
      expect(p.io.out()).toMatch(/^::error file=/m);
    } finally {
      removeDir(dir);
    }
  });

  test("export without --out is a usage error from the parser", async () => {
    const p = program();
    await expect(p.run("export", "--pattern", "*")).rejects.toThrow(/--out/);
  });
});
