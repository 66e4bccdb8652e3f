/**
 * Where a newcomer stumbled in the first hour, each step run as the user runs it: `pulumi-genie`
 * as a process; the deploy steps through the engine harness with the scaffolded project's own
 * program (there is no Pulumi CLI here). Build first (`npx tsc -p tsconfig.json`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { loadSpaceFiles, toSerializedSpace } from "../../provider/lib/space";
import type { EmulatorHandle } from "../../provider/tools/emulator";
import { emulatorPerFile, removeDir, scratchDir } from "../cli/helpers";
import { runCli, shellWords } from "../cli/process";
import { writesOf } from "../cli/stack-run";
import { deployProject, linkNodeModules } from "./project";

const ROOT = path.resolve(__dirname, "../..");
const FORGE_FIXTURE = path.resolve(__dirname, "../space/fixtures/genie-forge");
const DEMO_TABLES = ["main.genie_demo.customers", "main.genie_demo.orders", "main.genie_demo.products"];

describe("a newcomer's first hour, through the pulumi-genie command", () => {
  /** A workspace whose tables exist only once the SQL API made them (a space on a missing one → 403). */
  const strict = emulatorPerFile({ user: "dev@example.com", catalog: [] });
  /** A workspace that takes any table (spaces made there by others, on their own data). */
  const permissive = emulatorPerFile({ user: "analyst@example.com", folders: ["/Users/analyst@example.com/genie", "/Shared"] });
  let emulator: EmulatorHandle;
  let open: EmulatorHandle;
  let parent: string;
  let dir: string;
  beforeEach(() => {
    emulator = strict();
    open = permissive();
    parent = scratchDir("pulumi-genie-first-hour-");
    dir = path.join(parent, "my-genie");
  });
  afterEach(() => removeDir(parent));

  const env = () => ({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token });
  const openEnv = () => ({ DATABRICKS_HOST: open.url, DATABRICKS_TOKEN: open.token });
  const cli = (args: string[], cwd = dir, extraEnv: Record<string, string> = {}) => runCli(args, { cwd, env: { ...env(), ...extraEnv } });
  const init = async (...args: string[]) => {
    const run = await runCli(["init", dir, ...args], { cwd: parent });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
  };
  const demoFlags = ["--catalog", "main", "--schema", "genie_demo", "--warehouse-id", "wh-dev"];

  describe("init", () => {
    test("init --host https://user:token@host: refused before anything is written, and the token is in no file and no output", async () => {
      const token = "dapi-canary-init-host-0123456789";
      const run = await runCli(["init", dir, "--host", `https://someone:${token}@dbc-1234.cloud.databricks.com`], { cwd: parent });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: --host: Databricks host must not contain a user name or password: nothing was written\n {2}fix: pass only the workspace URL/);
      expect(run.output).not.toContain(token);
      expect(fs.existsSync(dir)).toBe(false);
    });

    test("init --host takes a bare host name and writes the workspace URL", async () => {
      await init("--host", "dbc-1234.cloud.databricks.com/");
      expect(parse(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).config["databricks:host"]).toBe("https://dbc-1234.cloud.databricks.com");
    });

    test("init's next steps say up front that deploying needs the Pulumi CLI and a backend, and name the way without it", async () => {
      const run = await runCli(["init", dir], { cwd: parent });
      expect(run.stdout).toMatch(/needs the Pulumi CLI, https:\/\/www\.pulumi\.com\/docs\/install\/, and a backend: `pulumi login --local` or Pulumi Cloud/);
      expect(run.stdout).toMatch(/pulumi-genie demo {2}runs the dev stack against a local Genie emulator \(no Pulumi CLI needed\)/);
    });
  });

  describe("demo-data", () => {
    test("demo-data status after cleanup: following its hint restores the demo data", async () => {
      await init("--warehouse-id", "wh-dev");
      expect((await cli(["demo-data", "setup", ...demoFlags])).code).toBe(0);
      expect((await cli(["demo-data", "cleanup", ...demoFlags, "--execute"])).code).toBe(0);
      expect(emulator.tables.list()).toEqual([]);

      const status = await cli(["demo-data", "status", ...demoFlags]);
      expect(status.stdout).toMatch(/Demo data is incomplete; to set it up \(again\), run:\n {2}pulumi-genie demo-data setup /);
      const hint = shellWords(status.stdout.split("set it up (again), run:\n")[1].split("\n")[0].trim());
      expect(hint.slice(0, 3)).toEqual(["pulumi-genie", "demo-data", "setup"]);

      const restore = await cli(hint.slice(1));
      expect(restore.stderr).toBe("");
      expect(restore.code).toBe(0);
      expect(restore.stdout).toContain("spaces/genie_demo.yaml: already there, unchanged");
      expect(emulator.tables.list()).toEqual(DEMO_TABLES);
      expect((await cli(["demo-data", "status", ...demoFlags])).stdout).toContain("Demo data is complete.");
    });

    test("demo-data setup over a space file the user changed: refused before any SQL, with both ways out", async () => {
      await init("--warehouse-id", "wh-dev");
      expect((await cli(["demo-data", "setup", ...demoFlags])).code).toBe(0);
      fs.appendFileSync(path.join(dir, "spaces/genie_demo.yaml"), "# my edit\n");
      emulator.clearRequests();
      const again = await cli(["demo-data", "setup", ...demoFlags]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/genie_demo\.yaml already exists[\s\S]*--force to overwrite it, or --space-file '' to keep yours and only create the tables/);
      expect(emulator.requests()).toEqual([]);
    });

    test("demo-data setup writes its space file with the stack variables: each stack deploys it on its own catalog, never on dev's tables", async () => {
      await init("--warehouse-id", "wh-dev");
      const setup = await cli(["demo-data", "setup", ...demoFlags]);
      expect(setup.code).toBe(0);
      expect(setup.stdout).toContain("stack dev deploys it on these tables (main.genie_demo)");
      expect(setup.stdout).toContain("stack prod deploys it on prod_catalog.genie_demo: run `pulumi-genie demo-data setup --stack prod` against its workspace");
      const text = fs.readFileSync(path.join(dir, "spaces/genie_demo.yaml"), "utf8");
      expect(text).toMatch(/^warehouse_id: \$\{warehouse_id\}$/m);
      expect(text).toMatch(/^parent_path: \$\{folder\}$/m);
      expect(text).toContain("identifier: ${catalog}.${schema}.orders");
      expect(text).not.toMatch(/main\.genie_demo|wh-dev/);

      const validate = await cli(["validate", "spaces", "--stack", "prod"]);
      expect(validate.code).toBe(0);
      const prodVars = parse(fs.readFileSync(path.join(dir, "stacks/Pulumi.prod.yaml"), "utf8")).config["genie:variables"];
      const [prod] = (await loadSpaceFiles(path.join(dir, "spaces"), { variables: prodVars, env: "prod" })).filter((s) => s.name === "genie_demo");
      expect(prod.definition.data_sources.tables!.map((t) => t.identifier)).toEqual(DEMO_TABLES.map((t) => t.replace("main.", "prod_catalog.")));
      expect(prod.warehouseId).toBe("prod-warehouse-id");
      expect(prod.parentPath).toBe("/Shared/genie");

      // A prod up against a workspace that has only dev's demo tables: the workspace refuses the
      // space (its tables are not there) instead of a prod space on dev's tables.
      const deployed = await deployProject(dir, "prod", emulator);
      try {
        const up = await deployed.up();
        const demo = up.steps.find((s) => s.name === "genie_demo")!;
        expect(demo.op).toBe("failed");
        expect(demo.error).toMatch(/prod_catalog\.genie_demo\.\w+' does not exist/);
        expect(emulator.spaces.list().filter((s) => s.serialized_space.includes("main.genie_demo"))).toEqual([]);
      } finally {
        await deployed.close();
      }
    });

    test("demo-data setup --stack dev takes catalog, schema and warehouse from the stack", async () => {
      await init("--warehouse-id", "wh-dev", "--catalog", "sandbox", "--schema", "genie_try");
      const setup = await cli(["demo-data", "setup", "--stack", "dev", "--host", emulator.url]);
      expect(setup.stderr).toBe("");
      expect(emulator.tables.list()).toEqual(DEMO_TABLES.map((t) => t.replace("main.genie_demo", "sandbox.genie_try")));
      expect(setup.stdout).toContain("stack dev deploys it on these tables (sandbox.genie_try)");
    });
  });

  describe("migrate-genie-forge and init, in either order", () => {
    let forge: string;
    let databricksSpaces: Record<string, string>;
    beforeEach(async () => {
      // A genie-forge project applied to the emulator: its spaces exist, their ids are in the state.
      forge = path.join(parent, "forge");
      fs.cpSync(FORGE_FIXTURE, forge, { recursive: true });
      const envFile = path.join(forge, "conf", "environments", "dev.yaml");
      fs.writeFileSync(envFile, fs.readFileSync(envFile, "utf8").replace(/workspace_url: .*/, `workspace_url: "${open.url}"`));
      databricksSpaces = {};
      for (const s of await loadSpaceFiles(path.join(forge, "conf", "spaces"), { env: "dev" })) {
        const made = open.spaces.uiCreate({ title: s.title, description: s.description, warehouse_id: s.warehouseId, parent_path: s.parentPath, serialized_space: toSerializedSpace(s.definition) });
        databricksSpaces[s.name] = made.space_id;
      }
      const spaces = Object.fromEntries(Object.entries(databricksSpaces).map(([name, id]) => [name, { databricks_space_id: id, status: "APPLIED" }]));
      fs.writeFileSync(path.join(forge, ".genie-forge.json"), JSON.stringify({ version: "1.0", environments: { dev: { workspace_url: open.url, spaces } } }));
    });

    /** The first `up` of the dev stack: adopts the forge spaces, writes nothing; the next changes nothing. */
    async function expectFirstUpAdoptsOnly(): Promise<void> {
      const deployed = await deployProject(dir, "dev", open);
      try {
        open.clearRequests();
        const up = await deployed.up();
        expect(up.failed).toBe(0);
        expect(up.steps.map((s) => `${s.name}:${s.op}`).sort()).toEqual(["sales_analytics:create", "simple_space:create"]);
        expect(deployed.engine.state().map((e) => e.id).sort()).toEqual(Object.values(databricksSpaces).sort());
        expect(writesOf(open)).toEqual([]);
        const again = await deployed.up();
        expect(again.steps.map((s) => s.op)).toEqual(["same", "same"]);
        expect(writesOf(open)).toEqual([]);
      } finally {
        await deployed.close();
      }
    }

    test("init, then migrate-genie-forge: the scaffold's placeholders and example give way; the first up adopts and writes nothing", async () => {
      await init();
      const migrate = await runCli(["migrate-genie-forge", "--project", forge], { cwd: dir });
      expect(migrate.stderr).toBe("");
      expect(migrate.code).toBe(0);
      expect(migrate.stdout).toContain('replaced the placeholder genie:variables.catalog = "main"');
      expect(migrate.stdout).toContain("removed spaces/sales.yaml: the example space `pulumi-genie init` wrote, unchanged");
      expect(fs.readdirSync(path.join(dir, "spaces")).sort()).toEqual(["sales_analytics.yaml", "simple_space.yaml"]);
      const dev = parse(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).config;
      expect(dev["genie:variables"]).toMatchObject({ catalog: "dev_catalog", schema: "sales", warehouse_id: "6c5c02379eea0732" });
      expect(dev["databricks:host"]).toBe(open.url);
      expect(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).toMatch(/^# dev: your development workspace/);
      linkNodeModules(dir);
      await expectFirstUpAdoptsOnly();
    });

    test("init, then migrate-genie-forge of an environment with a profile: the scaffold's CI auth type gives way to the profile", async () => {
      await init();
      fs.writeFileSync(
        path.join(forge, "conf", "environments", "prod.yaml"),
        'workspace_url: "https://prod.cloud.databricks.com"\nauth:\n  profile: "PROD"\nvariables:\n  warehouse_id: "w"\n  catalog: "prod_catalog"\n  schema: "sales"\n  parent_path: "/Shared/genie"\n',
      );
      const migrate = await runCli(["migrate-genie-forge", "--project", forge, "--env", "prod"], { cwd: dir });
      expect(migrate.code).toBe(0);
      expect(migrate.stdout).toContain("prod: removed databricks:authType: oauth-m2m from");
      const prod = parse(fs.readFileSync(path.join(dir, "stacks/Pulumi.prod.yaml"), "utf8")).config;
      expect(prod["databricks:profile"]).toBe("PROD");
      expect(prod["databricks:authType"]).toBeUndefined();
      expect(prod["genie:protect"]).toBe(true);
      expect(prod["genie:variables"]).toMatchObject({ catalog: "prod_catalog", warehouse_id: "w" });
    });

    test("migrate-genie-forge, then init .: init completes the project and keeps the migrated stack; the first up adopts and writes nothing", async () => {
      fs.mkdirSync(dir);
      expect((await runCli(["migrate-genie-forge", "--project", forge], { cwd: dir })).code).toBe(0);
      const migrated = fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8");
      const run = await runCli(["init", "."], { cwd: dir });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/stacks\/Pulumi\.dev\.yaml {2}\(kept: stack files hold your workspace settings and adoption records/);
      expect(run.stdout).toMatch(/spaces\/sales\.yaml {2}\(not written: spaces\/ already holds space files\)/);
      expect(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).toBe(migrated);
      for (const f of ["Pulumi.yaml", "package.json", "index.ts", "stacks/Pulumi.staging.yaml", "stacks/Pulumi.prod.yaml"]) expect(fs.existsSync(path.join(dir, f))).toBe(true);
      expect(fs.readdirSync(path.join(dir, "spaces")).sort()).toEqual(["sales_analytics.yaml", "simple_space.yaml"]);
      linkNodeModules(dir);
      await expectFirstUpAdoptsOnly();
    });

    test("init . in a folder with its own README and .gitignore keeps them, adding only the ignore lines it needs", async () => {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "README.md"), "# ours\n");
      fs.writeFileSync(path.join(dir, ".gitignore"), "node_modules/\n.env\n");
      const run = await runCli(["init", "."], { cwd: dir });
      expect(run.code).toBe(0);
      expect(fs.readFileSync(path.join(dir, "README.md"), "utf8")).toBe("# ours\n");
      expect(fs.readFileSync(path.join(dir, ".gitignore"), "utf8")).toBe("node_modules/\n.env\nbin/\n*.tsbuildinfo\n.pulumi/\n");
      expect(run.stdout).toContain(".gitignore  (added bin/ *.tsbuildinfo .pulumi/ to yours)");
    });
  });

  describe("export", () => {
    test("export --stack of spaces the stack already deploys: skipped with a message, no second file, no second adoption", async () => {
      await init("--warehouse-id", "wh-dev");
      expect((await cli(["demo-data", "setup", ...demoFlags])).code).toBe(0);
      const deployed = await deployProject(dir, "dev", emulator);
      try {
        expect((await deployed.up()).failed).toBe(0);
      } finally {
        await deployed.close();
      }
      // One space made in the UI is not the project's: it is exported and adopted as usual.
      const ui = emulator.spaces.uiCreate({ title: "Made in the UI", warehouse_id: "wh-dev", serialized_space: emulator.spaces.list()[0].serialized_space });
      const before = fs.readdirSync(path.join(dir, "spaces")).sort();

      // --host: the scaffold's dev stack names a placeholder workspace, and a stack setting beats DATABRICKS_HOST.
      const run = await cli(["export", "--stack", "dev", "--host", emulator.url, "--pattern", "*", "--out", "spaces"]);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(/skipped "Sales \(dev\)" \([0-9a-f]{32}\), not exported: spaces\/sales\.yaml declares a space with this title in this folder \(name sales\)/);
      expect(run.stderr).toMatch(/skipped "Genie demo sales" \([0-9a-f]{32}\), not exported: spaces\/genie_demo\.yaml declares/);
      expect(run.stdout).toContain("exported 1 space(s) to spaces, 2 skipped (already managed by the project)");
      expect(fs.readdirSync(path.join(dir, "spaces")).sort()).toEqual([...before, "made_in_the_ui.yaml"].sort());
      expect(parse(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).config["genie:adopt"]).toEqual({ made_in_the_ui: ui.space_id });

      // Exporting again refreshes the adopted space's own file and still skips the others.
      const again = await cli(["export", "--stack", "dev", "--host", emulator.url, "--pattern", "*", "--out", "spaces"]);
      expect(again.stdout).toContain("exported 1 space(s) to spaces, 2 skipped");
      expect(fs.readdirSync(path.join(dir, "spaces")).sort()).toEqual([...before, "made_in_the_ui.yaml"].sort());
    });
  });

  test("export --stack staging of a space stack dev already adopts (one workspace, two stacks): skipped, not adopted twice", async () => {
    await init("--warehouse-id", "wh-dev");
    const made = open.spaces.uiCreate({ title: "Shared KPIs", warehouse_id: "wh-dev", serialized_space: JSON.stringify({ version: 2, data_sources: { tables: [{ identifier: "main.kpi.daily" }] } }) });
    const devFile = path.join(dir, "stacks/Pulumi.dev.yaml");
    fs.appendFileSync(devFile, `  genie:adopt:\n    shared_kpis: ${made.space_id}\n`);
    // Both stacks on the one workspace, reached with the token in the environment.
    const stagingFile = path.join(dir, "stacks/Pulumi.staging.yaml");
    fs.writeFileSync(stagingFile, fs.readFileSync(stagingFile, "utf8").replace(/^ {2}databricks:authType: .*\n/m, ""));
    const staging = fs.readFileSync(stagingFile, "utf8");
    const run = await cli(["export", "--stack", "staging", "--host", open.url, "--pattern", "*", "--out", "exported"], dir, openEnv());
    expect(run.stderr).toContain(`skipped "Shared KPIs" (${made.space_id}), not exported: stack dev already adopts it as shared_kpis (stacks/Pulumi.dev.yaml)`);
    expect(run.code).toBe(0);
    expect(fs.existsSync(path.join(dir, "exported"))).toBe(false);
    expect(fs.readFileSync(stagingFile, "utf8")).toBe(staging);
  });

  describe("show", () => {
    test('show "Title" finds the space by its title, as clone "Title" does', async () => {
      const made = open.spaces.uiCreate({ title: "Sales analytics", warehouse_id: "wh1", serialized_space: JSON.stringify({ version: 2, data_sources: { tables: [{ identifier: "main.sales.orders" }] } }) });
      const run = await cli(["show", "Sales analytics"], parent, openEnv());
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`space id:     ${made.space_id}`);
      const byId = await cli(["show", made.space_id, "--format", "json"], parent, openEnv());
      expect(JSON.parse(byId.stdout).title).toBe("Sales analytics");
      const clone = await cli(["clone", "Sales analytics", "--name", "Copy", "--to-file", "copy.yaml"], parent, openEnv());
      expect(clone.code).toBe(0);
      const both = await cli(["show", "Sales analytics", "--name", "Other"], parent, openEnv());
      expect(both.code).toBe(2);
      expect(both.stderr).toMatch(/^error: show: name the space once/);
    });
  });

  describe("demo", () => {
    test("demo --engine bogus: exit 2 with error: and the engines there are, before anything starts", async () => {
      await init();
      const run = await runCli(["demo", "--engine", "bogus"], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe('error: --engine must be one of auto, cli, harness (got "bogus")\n');
      expect(run.stdout).toBe("");
    });

    test("demo --workspace URL (no Pulumi CLI): the walk runs against the workspace named, says which, and leaves none of its spaces", async () => {
      await init();
      linkNodeModules(dir);
      // `open` plays the user's real workspace; its token is the credential in the environment.
      open.folders.add("/Shared/genie/dev");
      const run = await runCli(["demo", "--workspace", open.url], { cwd: dir, env: openEnv(), timeoutMs: 120_000 });
      expect(run.stderr).toBe("");
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^Workspace: ${open.url} as analyst@example\\.com — a real workspace: the walk creates the stack's spaces there`, "m"));
      expect(run.stdout).not.toContain("Genie emulator (stand-in");
      expect(run.stdout).toMatch(/Spaces of this walk left in \S+: 0 of 1\./);
      expect(run.stdout).toContain("Main job finished: every step succeeded.");
      const posts = open.requests().filter((r) => r.method === "POST" && r.path === "/api/2.0/genie/spaces");
      expect(posts).toHaveLength(1);
      expect(open.spaces.list()).toEqual([]);
    }, 180_000);

    test("demo never reaches the workspace in DATABRICKS_HOST unless asked: without --workspace, or with another URL", async () => {
      await init();
      linkNodeModules(dir);
      const plain = await runCli(["demo"], { cwd: dir, env: openEnv(), timeoutMs: 120_000 });
      expect(plain.code).toBe(0);
      expect(plain.stdout).toMatch(/^Genie emulator \(stand-in for the workspace\): http:\/\/127\.0\.0\.1:\d+$/m);
      const other = await runCli(["demo", "--workspace", "https://dbc-other.cloud.databricks.com"], { cwd: dir, env: openEnv() });
      expect(other.code).toBe(2);
      expect(other.stderr).toMatch(/^error: --workspace https:\/\/dbc-other\.cloud\.databricks\.com is not the workspace in DATABRICKS_HOST \(http:\/\/127\.0\.0\.1:\d+\): nothing was run/);
      expect(open.requests()).toEqual([]);
    }, 180_000);

    test("demo outside a project: error: and how to start one, no temp path", async () => {
      fs.mkdirSync(dir);
      const run = await runCli(["demo"], { cwd: dir });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: .*my-genie is not a Pulumi project \(no Pulumi\.yaml\)[\s\S]*fix: create one and run the demo inside it: pulumi-genie init my-genie && cd my-genie && npm install && npx pulumi-genie demo/);
      expect(run.output).not.toMatch(/pulumi-genie-demo-/);
    });
  });

  test("no --help and no message cites a document that is not in the repository", async () => {
    const help = async (args: string[]) => (await runCli([...args, "--help"], { cwd: parent })).stdout;
    const program = await help([]);
    const commands = [...program.matchAll(/^ {2}([a-z-]+)(?: \[options\]| <|\s)/gm)].map((m) => m[1]).filter((c) => c !== "help");
    expect(commands).toEqual(expect.arrayContaining(["init", "demo", "demo-data", "export", "migrate-genie-forge", "show", "clone"]));
    const texts = [program, ...(await Promise.all(commands.map((c) => help([c])))), ...(await Promise.all(["setup", "status", "cleanup"].map((s) => help(["demo-data", s]))))];
    const sources = fs.readdirSync(path.join(ROOT, "provider/tools/cli")).filter((f) => f.endsWith(".ts")).map((f) => fs.readFileSync(path.join(ROOT, "provider/tools/cli", f), "utf8"));
    // User-facing strings of the CLI's sources (comments stripped) and every help text.
    const strings = sources.map((src) => src.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "")).join("\n");
    for (const text of [...texts, strings]) {
      expect(text).not.toMatch(/\/work\/|shared\/genie-api|contract document/);
      for (const [doc] of text.matchAll(/\b(?:docs\/)?[\w-]+\.md\b/g)) {
        if (doc === "README.md") continue;
        expect({ doc, exists: fs.existsSync(path.join(ROOT, doc)) }).toEqual({ doc, exists: true });
      }
    }
  });
});
