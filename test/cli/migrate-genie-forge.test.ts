/**
 * `migrate-genie-forge`: a genie-forge project (the space language's fixture project, deployed by a
 * stand-in for `genie-forge apply` to two emulated workspaces) becomes one stack per environment
 * whose first `up` adopts every tracked space and creates none. Build first (`npx tsc -p tsconfig.json`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { runMigrateGenieForge, type MigrationReport } from "../../provider/tools/cli/migrate-genie-forge";
import { runValidate } from "../../provider/tools/cli/validate";
import { loadSpaceFiles, toSerializedSpace } from "../../provider/lib/space";
import { bufferIo, removeDir, scratchDir, scratchProject } from "./helpers";
import { stackRun, writesOf } from "./stack-run";

const FIXTURE = path.resolve(__dirname, "../space/fixtures/genie-forge");
const RETIRED_ID = "0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f0f";

describe("migrate-genie-forge", () => {
  const emulators: Record<string, EmulatorHandle> = {};
  let forge: string;
  let project: string;
  let databrickscfg: string;

  beforeAll(async () => {
    emulators.dev = await startEmulator({ user: "analyst@example.com", folders: ["/Users/analyst@example.com/genie", "/Shared"] });
    emulators.prod = await startEmulator({ user: "deployer@example.com", folders: ["/Users/deployer@example.com", "/Shared/genie"] });
  });
  afterAll(async () => {
    for (const e of Object.values(emulators)) await e.close();
    await closeConnectionPools();
  });

  /** What `genie-forge apply --env <env>` leaves behind: the spaces in the workspace and their ids in the state. */
  async function forgeApply(env: string): Promise<Record<string, { databricks_space_id: string; title: string; status: string }>> {
    const spaces = await loadSpaceFiles(path.join(forge, "conf", "spaces", "sales_analytics.yaml"), { env });
    const simple = await loadSpaceFiles(path.join(forge, "conf", "spaces", "simple_space.yaml"), { env });
    const out: Record<string, { databricks_space_id: string; title: string; status: string }> = {};
    for (const s of [...spaces, ...simple]) {
      // genie-forge serializes with its own key order and indentation; only the meaning matches ours.
      const body = JSON.stringify(JSON.parse(toSerializedSpace(s.definition)), null, 4);
      const made = emulators[env].spaces.uiCreate({ title: s.title, description: s.description, warehouse_id: s.warehouseId, parent_path: s.parentPath, serialized_space: body });
      out[s.name] = { databricks_space_id: made.space_id, title: s.title, status: "APPLIED" };
    }
    return out;
  }

  beforeEach(async () => {
    for (const e of Object.values(emulators)) e.reset();
    forge = scratchDir("genie-forge-project-");
    fs.cpSync(FIXTURE, forge, { recursive: true });
    const envDir = path.join(forge, "conf", "environments");
    fs.writeFileSync(
      path.join(envDir, "dev.yaml"),
      fs.readFileSync(path.join(envDir, "dev.yaml"), "utf8").replace(/workspace_url: .*/, `workspace_url: "${emulators.dev.url}"`),
    );
    fs.writeFileSync(
      path.join(envDir, "prod.yaml"),
      [
        "# production",
        `workspace_url: "${emulators.prod.url}"`,
        "auth:",
        '  profile: "PROD"',
        "variables:",
        '  env: "prod"',
        '  warehouse_id: "abcdef0123456789"',
        '  catalog: "prod_catalog"',
        '  schema: "sales"',
        '  parent_path: "/Shared/genie"',
        "naming:",
        '  title_prefix: ""',
        "",
      ].join("\n"),
    );
    // genie-forge never deploys subfolders: this file must not be carried over.
    fs.mkdirSync(path.join(forge, "conf", "spaces", "reference"));
    fs.writeFileSync(path.join(forge, "conf", "spaces", "reference", "old.yaml"), "version: 1\nspaces:\n  - space_id: old\n    title: Old\n    warehouse_id: x\n");

    const dev = await forgeApply("dev");
    const prod = await forgeApply("prod");
    const state = {
      version: "1.0",
      project_id: "genie-forge-project",
      environments: {
        dev: {
          workspace_url: emulators.dev.url,
          spaces: {
            ...dev,
            retired_space: { logical_id: "retired_space", databricks_space_id: RETIRED_ID, title: "Retired", status: "APPLIED", error: null },
          },
        },
        prod: { workspace_url: emulators.prod.url, spaces: prod },
      },
    };
    fs.writeFileSync(path.join(forge, ".genie-forge.json"), JSON.stringify(state, null, 2));

    project = scratchProject();
    databrickscfg = path.join(project, "databrickscfg");
    fs.writeFileSync(
      databrickscfg,
      `[DEV]\nhost = ${emulators.dev.url}\ntoken = ${emulators.dev.token}\n[PROD]\nhost = ${emulators.prod.url}\ntoken = ${emulators.prod.token}\n`,
    );
  });
  afterEach(() => {
    removeDir(forge);
    removeDir(project);
  });

  async function migrate(extra: Record<string, unknown> = {}) {
    const io = bufferIo();
    const code = await runMigrateGenieForge({ project: forge, projectDir: project, json: true, ...extra }, io);
    return { code, io, report: JSON.parse(io.out()) as MigrationReport };
  }

  test("writes one stack file per environment with its workspace, profile, variables and an adoption per tracked space", async () => {
    const { code, report } = await migrate();
    expect(code).toBe(0);
    expect(report.stacks.map((s) => s.environment)).toEqual(["dev", "prod"]);
    const state = JSON.parse(fs.readFileSync(path.join(forge, ".genie-forge.json"), "utf8"));
    for (const env of ["dev", "prod"]) {
      const config = (parse(fs.readFileSync(path.join(project, "stacks", `Pulumi.${env}.yaml`), "utf8")) as { config: Record<string, unknown> }).config;
      expect(config["databricks:host"]).toBe(emulators[env].url);
      expect(config["databricks:profile"]).toBe(env.toUpperCase());
      expect(config["genie:spacesDir"]).toBe("spaces");
      expect(config["genie:adopt"]).toEqual({
        sales_analytics: state.environments[env].spaces.sales_analytics.databricks_space_id,
        simple_space: state.environments[env].spaces.simple_space.databricks_space_id,
      });
      expect((config["genie:variables"] as Record<string, string>).catalog).toBe(`${env}_catalog`);
      expect(JSON.stringify(config)).not.toContain(emulators[env].token);
    }
  });

  test("copies the space files genie-forge deploys, unchanged, and nothing from subfolders", async () => {
    await migrate();
    expect(fs.readdirSync(path.join(project, "spaces")).sort()).toEqual(["sales_analytics.yaml", "simple_space.yaml"]);
    expect(fs.readFileSync(path.join(project, "spaces", "sales_analytics.yaml"), "utf8")).toBe(
      fs.readFileSync(path.join(forge, "conf", "spaces", "sales_analytics.yaml"), "utf8"),
    );
  });

  test("reports what it could not carry over: subfolders, naming prefixes, settings, untracked state entries", async () => {
    const io = bufferIo();
    expect(await runMigrateGenieForge({ project: forge, projectDir: project }, io)).toBe(0);
    const out = io.out();
    expect(out).toMatch(/not carried over/);
    expect(out).toMatch(/conf\/spaces\/reference\/: genie-forge does not deploy files in subfolders/);
    expect(out).toMatch(/dev: naming\.title_prefix = "\[DEV\] " is not applied/);
    expect(out).toMatch(new RegExp(`dev: state tracks "retired_space" \\(space ${RETIRED_ID}\\) but no copied space file defines it`));
    // prod's empty title_prefix needs no action.
    expect(out).not.toMatch(/prod: naming\.title_prefix/);
  });

  test("the migrated files validate offline against each stack", async () => {
    await migrate();
    for (const stack of ["dev", "prod"]) {
      const io = bufferIo();
      expect(await runValidate({ target: "spaces", stack, projectDir: project }, io)).toBe(0);
      expect(io.out()).toContain("2 space(s) valid");
    }
  });

  test.each(["dev", "prod"])("%s: the first `up` adopts every space — no create, no write — and the next preview shows no changes", async (env) => {
    await migrate();
    const run = await stackRun(project, env, emulators[env], { configFile: databrickscfg });
    try {
      emulators[env].clearRequests();
      const up = await run.up();
      expect(up.failed).toBe(0);
      expect(up.steps.map((s) => `${s.name}:${s.op}`).sort()).toEqual(["sales_analytics:create", "simple_space:create"]);
      expect(writesOf(emulators[env])).toEqual([]);
      expect(emulators[env].spaces.list()).toHaveLength(2);
      const preview = await run.preview();
      expect(preview.steps.map((s) => s.op)).toEqual(["same", "same"]);
    } finally {
      await run.close();
    }
  });

  test("an existing stack file is edited in place: its comments and other keys survive", async () => {
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.dev.yaml"), "# our dev stack\nconfig:\n  genie:protect: false # never in dev\n");
    await migrate();
    const text = fs.readFileSync(path.join(project, "stacks", "Pulumi.dev.yaml"), "utf8");
    expect(text).toContain("# our dev stack");
    expect(text).toContain("genie:protect: false # never in dev");
    expect(text).toContain("genie:adopt:");
  });

  test("a state entry without a space id and a missing state are reported, and those spaces are created instead", async () => {
    const statePath = path.join(forge, ".genie-forge.json");
    const state = JSON.parse(fs.readFileSync(statePath, "utf8"));
    state.environments.dev.spaces.simple_space.databricks_space_id = null;
    fs.writeFileSync(statePath, JSON.stringify(state));
    const { report } = await migrate({ environments: ["dev"] });
    expect(report.stacks[0].creates).toEqual(["simple_space"]);
    expect(report.notCarried.join("\n")).toMatch(/"simple_space" has no space id/);

    fs.rmSync(statePath);
    const again = await migrate({ environments: ["dev"] });
    expect(again.report.notCarried.join("\n")).toMatch(/no genie-forge state at .*: no space is adopted/);
  });

  test("what the loader maps for the API (a join_type INNER the API cannot store) is reported with file and line, per environment", async () => {
    const file = path.join(forge, "conf", "spaces", "sales_analytics.yaml");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("join_type: MANY_TO_ONE", "join_type: INNER"));
    const { report } = await migrate({ environments: ["dev"] });
    expect(report.written).toBe(true);
    const line = report.notCarried.find((l) => /join_type/.test(l));
    expect(line).toMatch(/^dev: spaces\/sales_analytics\.yaml:\d+:\d+ .*join_type.*INNER/);
  });

  test("a folder that is not a genie-forge project: exit 2 and what --project must point at", async () => {
    const io = bufferIo();
    expect(await runMigrateGenieForge({ project, projectDir: project }, io)).toBe(2);
    expect(io.err()).toMatch(/--project must point at a genie-forge project/);
  });

  test("files that do not validate with an environment's variables fail the migration with every problem listed", async () => {
    fs.writeFileSync(
      path.join(forge, "conf", "environments", "prod.yaml"),
      `workspace_url: "${emulators.prod.url}"\nvariables:\n  warehouse_id: "w"\n`,
    );
    const io = bufferIo();
    expect(await runMigrateGenieForge({ project: forge, projectDir: project }, io)).toBe(1);
    expect(io.err()).toMatch(/prod: the space files do not validate[\s\S]*catalog/);
    expect(io.out()).toMatch(/prod: \$\{catalog\} is used by the space files but has no value here/);
  });
});
