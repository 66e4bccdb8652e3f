/**
 * The newcomer's journey end to end, offline, as docs/tutorial.md walks it: init → install →
 * demo-data setup → validate → deploy → show → refresh → destroy → demo-data cleanup → status →
 * restore (the command status suggests) → deploy again. Every pulumi-genie step runs the built
 * command as a process; deploy, refresh and destroy run the scaffolded program through the engine
 * harness (the steps `pulumi up/refresh/destroy` take; there is no Pulumi CLI here). The emulator
 * refuses spaces on tables that do not exist (403, as the real service), so the journey proves the
 * demo tables are what makes the spaces valid.
 */
import * as path from "node:path";
import { buildProgram } from "../../provider/tools/cli/main";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { bufferIo, removeDir, scratchDir } from "../cli/helpers";
import { runCli, shellWords } from "../cli/process";
import { deployProject, linkNodeModules, type DeployedProject } from "./project";

function cli() {
  const io = bufferIo();
  let exitCode = 0;
  const program = buildProgram({ ...io, setExitCode: (c) => (exitCode = c) })
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  return {
    io,
    async run(...args: string[]): Promise<number> {
      await program.parseAsync(["node", "pulumi-genie", ...args]);
      return exitCode;
    },
  };
}

describe("the newcomer's journey", () => {
  let emulator: EmulatorHandle;
  let parent: string;
  let dir: string;
  let deployed: DeployedProject | undefined;

  beforeAll(async () => {
    // catalog: [] — no table exists until the SQL API creates it; a space on a missing table → 403.
    emulator = await startEmulator({ catalog: [] });
    parent = scratchDir("pulumi-genie-journey-");
    dir = path.join(parent, "my-genie");
  });
  afterAll(async () => {
    await deployed?.close();
    await emulator.close();
    await closeConnectionPools();
    removeDir(parent);
  });

  test("init → install → demo-data setup → validate → deploy → show → refresh → destroy → demo-data cleanup → status → restore", async () => {
    const env = { DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token };
    const step = async (args: string[], cwd = dir) => {
      const run = await runCli(args, { cwd, env });
      expect({ args, stderr: run.stderr, code: run.code }).toEqual({ args, stderr: "", code: 0 });
      return run.stdout;
    };
    const demo = ["--catalog", "main", "--schema", "genie_demo", "--warehouse-id", "wh-dev"];

    // 1. init
    expect(await step(["init", "my-genie", "--warehouse-id", "wh-dev"], parent)).toContain("Created a Pulumi project for Genie spaces in my-genie");

    // 2. install: what `npm install` gives the project (pulumi-genie and @pulumi/pulumi in node_modules)
    linkNodeModules(dir);

    // Before the demo data: the example space's tables do not exist, so the workspace refuses it.
    deployed = await deployProject(dir, "dev", emulator);
    const early = await deployed.up();
    expect(early.failed).toBe(1);
    expect(early.steps[0].error).toMatch(/PERMISSION_DENIED: Table or view 'main\.genie_demo\.\w+' does not exist/);
    expect(emulator.spaces.list()).toEqual([]);

    // 3. demo-data setup, in the catalog/schema the dev stack names (init's defaults)
    expect(await step(["demo-data", "setup", ...demo])).toContain("Wrote spaces/genie_demo.yaml");
    expect(emulator.tables.list()).toEqual(["main.genie_demo.customers", "main.genie_demo.orders", "main.genie_demo.products"]);
    expect(await step(["demo-data", "status", ...demo])).toContain("Demo data is complete.");

    // 4. validate
    expect(await step(["validate", "spaces", "--stack", "dev"])).toMatch(/ok {2}genie_demo[\s\S]*ok {2}sales[\s\S]*2 space\(s\) valid/);

    // 5. deploy: both spaces now reference existing tables
    const up = await deployed.up();
    expect(up.failed).toBe(0);
    expect(up.steps.map((s) => `${s.name}:${s.op}`).sort()).toEqual(["genie_demo:create", "sales:create"]);
    expect(emulator.spaces.list().map((s) => s.title).sort()).toEqual(["Genie demo sales", "Sales (dev)"]);

    // 6. show what was deployed, by its title
    expect(await step(["show", "Genie demo sales"])).toMatch(/Tables \(3\)[\s\S]*main\.genie_demo\.orders/);

    // 7. refresh: nothing changed outside
    const refresh = await deployed.engine.refresh();
    expect(refresh.failed).toBe(0);
    expect(refresh.changed).toBe(0);

    // 8. destroy
    const destroy = await deployed.engine.destroy();
    expect(destroy.failed).toBe(0);
    expect(emulator.spaces.list()).toEqual([]);

    // 9. demo-data cleanup: a dry run first, then --execute
    expect(await step(["demo-data", "cleanup", ...demo])).toContain("Dry run: would run");
    expect(emulator.tables.list()).toHaveLength(3);
    await step(["demo-data", "cleanup", ...demo, "--execute"]);
    expect(emulator.tables.list()).toEqual([]);

    // 10. status: what is missing, and the command that restores it
    const status = await step(["demo-data", "status", ...demo]);
    expect(status).toMatch(/table main\.genie_demo\.orders: missing[\s\S]*Demo data is incomplete; to set it up \(again\), run:\n {2}pulumi-genie demo-data setup /);
    const hint = shellWords(status.split("set it up (again), run:\n")[1].split("\n")[0].trim());

    // 11. restore: exactly the suggested command
    expect(hint[0]).toBe("pulumi-genie");
    expect(await step(hint.slice(1))).toContain("spaces/genie_demo.yaml: already there, unchanged");
    expect(await step(["demo-data", "status", ...demo])).toContain("Demo data is complete.");
    const again = await deployed.up();
    expect(again.failed).toBe(0);
    expect(again.steps.map((s) => `${s.name}:${s.op}`).sort()).toEqual(["genie_demo:create", "sales:create"]);
    expect((await deployed.engine.destroy()).failed).toBe(0);
  }, 180_000);

  test("flags reach the commands: a malformed --var on clone and a missing --warehouse-id on create exit 2", async () => {
    let step = cli();
    expect(await step.run("clone", "0123456789abcdef0123456789abcdef", "--name", "X", "--to-workspace", "--var", "catalog")).toBe(2);
    expect(step.io.err()).toMatch(/--var expects name=/);
    step = cli();
    expect(await step.run("create", "X", "--tables", "a.b.c")).toBe(2);
    expect(step.io.err()).toMatch(/needs --warehouse-id/);
  });

  test("every newcomer command has --help with its options", () => {
    const program = buildProgram(bufferIo());
    const help = (name: string, sub?: string) => {
      let c = program.commands.find((x) => x.name() === name)!;
      if (sub) c = c.commands.find((x) => x.name() === sub)!;
      return c.helpInformation();
    };
    expect(help("init")).toMatch(/--minimal[\s\S]*--force/);
    expect(help("show")).toMatch(/--name[\s\S]*--format/);
    expect(help("clone")).toMatch(/--to-file[\s\S]*--to-workspace[\s\S]*--target-profile[\s\S]*--warehouse-id[\s\S]*--templatize/);
    expect(help("create")).toMatch(/--warehouse-id[\s\S]*--tables[\s\S]*--questions[\s\S]*--instructions[\s\S]*--save-config/);
    for (const sub of ["setup", "status", "cleanup"]) expect(help("demo-data", sub)).toMatch(/--catalog[\s\S]*--schema[\s\S]*--warehouse-id/);
    expect(help("demo-data", "cleanup")).toContain("--execute");
  });
});
