/**
 * The newcomer's journey end to end, offline: init → demo-data setup → validate → up → refresh →
 * destroy → demo-data cleanup. The CLI steps run through the real commander program; up, refresh
 * and destroy run the scaffolded program through the engine harness. The emulator refuses spaces
 * on tables that do not exist (403, as the real service), so the journey proves the demo tables
 * are what makes the spaces valid.
 */
import * as path from "node:path";
import { buildProgram } from "../../provider/tools/cli/main";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { bufferIo, removeDir, scratchDir } from "../cli/helpers";
import { deployProject, type DeployedProject } from "./project";

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
  const saved = { cwd: process.cwd(), host: process.env.DATABRICKS_HOST, token: process.env.DATABRICKS_TOKEN, cfg: process.env.DATABRICKS_CONFIG_FILE };

  beforeAll(async () => {
    // catalog: [] — no table exists until the SQL API creates it; a space on a missing table → 403.
    emulator = await startEmulator({ catalog: [] });
    parent = scratchDir("pulumi-genie-journey-");
    dir = path.join(parent, "my-genie");
    process.env.DATABRICKS_HOST = emulator.url;
    process.env.DATABRICKS_TOKEN = emulator.token;
    process.env.DATABRICKS_CONFIG_FILE = path.join(parent, "no-databrickscfg");
  });
  afterAll(async () => {
    process.chdir(saved.cwd);
    for (const [k, v] of [["DATABRICKS_HOST", saved.host], ["DATABRICKS_TOKEN", saved.token], ["DATABRICKS_CONFIG_FILE", saved.cfg]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await deployed?.close();
    await emulator.close();
    await closeConnectionPools();
    removeDir(parent);
  });

  test("init → demo-data setup → validate → up → refresh → destroy → demo-data cleanup", async () => {
    // 1. init
    let step = cli();
    expect(await step.run("init", dir, "--warehouse-id", "wh-dev")).toBe(0);
    expect(step.io.out()).toContain("Created a Pulumi project for Genie spaces");
    process.chdir(dir);

    // Before the demo data: the example space's tables do not exist, so the workspace refuses it.
    deployed = await deployProject(dir, "dev", emulator);
    const early = await deployed.engine.up((await deployed.declare()).resources);
    expect(early.failed).toBe(1);
    expect(early.steps[0].error).toMatch(/PERMISSION_DENIED: Table or view 'main\.genie_demo\.\w+' does not exist/);
    expect(emulator.spaces.list()).toEqual([]);

    // 2. demo-data setup, in the catalog/schema the dev stack names (init's defaults)
    step = cli();
    expect(await step.run("demo-data", "setup", "--catalog", "main", "--schema", "genie_demo", "--warehouse-id", "wh-dev")).toBe(0);
    expect(step.io.out()).toContain("Wrote spaces/genie_demo.yaml");
    expect(emulator.tables.list()).toEqual(["main.genie_demo.customers", "main.genie_demo.orders", "main.genie_demo.products"]);

    step = cli();
    expect(await step.run("demo-data", "status", "--catalog", "main", "--schema", "genie_demo", "--warehouse-id", "wh-dev")).toBe(0);
    expect(step.io.out()).toContain("Demo data is complete.");

    // 3. validate
    step = cli();
    expect(await step.run("validate", "spaces", "--stack", "dev")).toBe(0);
    expect(step.io.out()).toMatch(/ok {2}genie_demo[\s\S]*ok {2}sales[\s\S]*2 space\(s\) valid/);

    // 4. up: both spaces now reference existing tables
    const up = await deployed.engine.up((await deployed.declare()).resources);
    expect(up.failed).toBe(0);
    expect(up.steps.map((s) => `${s.name}:${s.op}`).sort()).toEqual(["genie_demo:create", "sales:create"]);
    expect(emulator.spaces.list().map((s) => s.title).sort()).toEqual(["Genie demo sales", "Sales (dev)"]);

    // show works on what was deployed
    step = cli();
    expect(await step.run("show", "--name", "Genie demo sales")).toBe(0);
    expect(step.io.out()).toMatch(/Tables \(3\)[\s\S]*main\.genie_demo\.orders/);

    // 5. refresh: nothing changed outside
    const refresh = await deployed.engine.refresh();
    expect(refresh.failed).toBe(0);
    expect(refresh.changed).toBe(0);

    // 6. destroy
    const destroy = await deployed.engine.destroy();
    expect(destroy.failed).toBe(0);
    expect(emulator.spaces.list()).toEqual([]);

    // 7. demo-data cleanup: a dry run first, then --execute
    step = cli();
    expect(await step.run("demo-data", "cleanup", "--catalog", "main", "--schema", "genie_demo", "--warehouse-id", "wh-dev")).toBe(0);
    expect(step.io.out()).toContain("Dry run: would run");
    expect(emulator.tables.list()).toHaveLength(3);
    step = cli();
    expect(await step.run("demo-data", "cleanup", "--catalog", "main", "--schema", "genie_demo", "--warehouse-id", "wh-dev", "--execute")).toBe(0);
    expect(emulator.tables.list()).toEqual([]);
  });

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
