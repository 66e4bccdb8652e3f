/**
 * Names from input that become paths, and links, through the CLI as a process: a stack file's
 * `genie:adopt` keys, genie-forge environment names from its state file, a space file linked to a
 * credentials file. Each case asserts the bytes of a sentinel file outside the target folder and
 * that nothing was written. Build first (`npx tsc -p tsconfig.json`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EmulatorHandle } from "../../provider/tools/emulator";
import { emulatorPerFile, removeDir, scratchDir } from "./helpers";
import { runCli } from "./process";

const SPACE = JSON.stringify({ version: 2, data_sources: { tables: [{ identifier: "dev_catalog.analytics.orders" }] } });
const SENTINEL = "sentinel: must stay byte for byte\n";
const CANARY = "dapi-canary-0123456789abcdef-must-never-be-copied";

/** Every file under dir, relative, sorted (links listed, not followed). */
function tree(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => f.split(path.sep).join("/")).sort();
}

describe("names from input never lead a write out of its folder", () => {
  const workspace = emulatorPerFile({ user: "dev@example.com" });
  let emulator: EmulatorHandle;
  let root: string;
  let project: string;
  let victim: string;
  beforeEach(() => {
    emulator = workspace();
    // root/victim.yaml is outside root/work/project; `../../victim` from project/spaces reaches it.
    root = scratchDir("pulumi-genie-hostile-");
    project = path.join(root, "work", "project");
    fs.mkdirSync(path.join(project, "stacks"), { recursive: true });
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: genie\nruntime: nodejs\nstackConfigDir: stacks\n");
    victim = path.join(root, "work", "victim.yaml");
    fs.writeFileSync(victim, SENTINEL);
  });
  afterEach(() => removeDir(root));

  const env = () => ({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token });

  test("export --stack: a genie:adopt key `../victim` is refused before any request; the file outside --out keeps its bytes", async () => {
    const made = emulator.spaces.uiCreate({ title: "Victim", warehouse_id: "wh", serialized_space: SPACE });
    const stack = `config:\n  genie:adopt:\n    ../victim: ${made.space_id}\n`;
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.dev.yaml"), stack);
    emulator.clearRequests();
    const run = await runCli(["export", "--stack", "dev", "--pattern", "*", "--out", "spaces"], { cwd: project, env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: stacks\/Pulumi\.dev\.yaml: genie:adopt key "\.\.\/victim" cannot become a file name/m);
    expect(fs.readFileSync(victim, "utf8")).toBe(SENTINEL);
    expect(fs.readFileSync(path.join(project, "stacks", "Pulumi.dev.yaml"), "utf8")).toBe(stack);
    expect(tree(project)).toEqual(["Pulumi.yaml", "stacks", "stacks/Pulumi.dev.yaml"]);
    expect(emulator.requests()).toEqual([]);
  });

  test("export: a link in --out under the name a space gets is never written through", async () => {
    emulator.spaces.uiCreate({ title: "Sales", warehouse_id: "wh", serialized_space: SPACE });
    fs.mkdirSync(path.join(project, "spaces"));
    // A link named like an adopted space's file: the adoption maps the space onto that name.
    fs.symlinkSync(victim, path.join(project, "spaces", "sales.yaml"));
    const id = emulator.spaces.list()[0].space_id;
    fs.writeFileSync(path.join(project, "stacks", "Pulumi.dev.yaml"), `config:\n  genie:adopt:\n    sales: ${id}\n`);
    const run = await runCli(["export", "--stack", "dev", "--pattern", "*", "--out", "spaces"], { cwd: project, env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/spaces\/sales\.yaml is a link: pulumi-genie never writes through a link/);
    expect(fs.readFileSync(victim, "utf8")).toBe(SENTINEL);
  });

  test("a --stack name with a path in it is refused, nothing read or written", async () => {
    const run = await runCli(["export", "--stack", "../../victim", "--pattern", "*", "--out", "spaces"], { cwd: project, env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: stack name "\.\." cannot become a file name/m);
    expect(fs.readFileSync(victim, "utf8")).toBe(SENTINEL);
    expect(tree(project)).toEqual(["Pulumi.yaml", "stacks"]);
  });

  describe("migrate-genie-forge", () => {
    let forge: string;
    beforeEach(() => {
      forge = path.join(root, "forge");
      fs.mkdirSync(path.join(forge, "conf", "spaces"), { recursive: true });
      fs.mkdirSync(path.join(forge, "conf", "environments"));
      fs.writeFileSync(
        path.join(forge, "conf", "spaces", "orders.yaml"),
        "version: 1\nspaces:\n  - space_id: orders\n    title: Orders\n    warehouse_id: ${warehouse_id}\n    data_sources:\n      tables:\n        - identifier: ${catalog}.sales.orders\n",
      );
      fs.writeFileSync(path.join(forge, "conf", "environments", "dev.yaml"), `workspace_url: "${emulator.url}"\nvariables:\n  warehouse_id: "wh"\n  catalog: "dev_catalog"\n`);
    });
    const state = (environments: Record<string, unknown>) => fs.writeFileSync(path.join(forge, ".genie-forge.json"), JSON.stringify({ version: "1.0", environments }));

    test("an environment key `../../victim` in the state file is refused: exit 2, no stack file, no space file, the sentinel intact", async () => {
      state({ "../../victim": { workspace_url: emulator.url, spaces: {} }, dev: { spaces: {} } });
      const run = await runCli(["migrate-genie-forge", "--project", forge], { cwd: project });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/^error: genie-forge environment \(from the state file\) "\.\.\/\.\.\/victim" cannot become a file name/m);
      expect(fs.readFileSync(victim, "utf8")).toBe(SENTINEL);
      expect(tree(project)).toEqual(["Pulumi.yaml", "stacks"]);
    });

    test("a space file linked to a credentials file outside the project is neither read nor copied, and the output says so", async () => {
      const secret = path.join(root, "databrickscfg");
      fs.writeFileSync(secret, `[DEFAULT]\nhost = https://example.cloud.databricks.com\ntoken = ${CANARY}\n`);
      fs.symlinkSync(secret, path.join(forge, "conf", "spaces", "credentials.yaml"));
      state({ dev: { workspace_url: emulator.url, spaces: {} } });
      const run = await runCli(["migrate-genie-forge", "--project", forge], { cwd: project });
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/conf\/spaces\/credentials\.yaml: a link that leads outside the genie-forge project \(or not to a file\); not read and not copied/);
      expect(tree(path.join(project, "spaces"))).toEqual(["orders.yaml"]);
      expect(run.output).not.toContain(CANARY);
      for (const f of tree(project)) {
        const full = path.join(project, f);
        if (fs.lstatSync(full).isFile()) expect(fs.readFileSync(full, "utf8")).not.toContain(CANARY);
      }
    });

    test("conf/spaces itself linked to a folder outside the project: none of its files is read or copied", async () => {
      const outside = path.join(root, "outside-spaces");
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(outside, "credentials.yaml"), `token: ${CANARY}\n`);
      fs.rmSync(path.join(forge, "conf", "spaces"), { recursive: true });
      fs.symlinkSync(outside, path.join(forge, "conf", "spaces"), "dir");
      state({ dev: { workspace_url: emulator.url, spaces: {} } });
      const run = await runCli(["migrate-genie-forge", "--project", forge], { cwd: project });
      expect(run.stdout).toMatch(/conf\/spaces\/credentials\.yaml: a link that leads outside the genie-forge project/);
      expect(run.output).not.toContain(CANARY);
      expect(tree(path.join(project, "spaces"))).toEqual([]);
    });

    test("a link inside the genie-forge project is followed like the file itself", async () => {
      fs.mkdirSync(path.join(forge, "shared"));
      fs.renameSync(path.join(forge, "conf", "spaces", "orders.yaml"), path.join(forge, "shared", "orders.yaml"));
      fs.symlinkSync(path.join(forge, "shared", "orders.yaml"), path.join(forge, "conf", "spaces", "orders.yaml"));
      state({ dev: { workspace_url: emulator.url, spaces: {} } });
      const run = await runCli(["migrate-genie-forge", "--project", forge], { cwd: project });
      expect(run.code).toBe(0);
      expect(fs.lstatSync(path.join(project, "spaces", "orders.yaml")).isFile()).toBe(true);
    });

    test("a failed migration (an environment that does not validate) leaves nothing behind: no space file, no stack file", async () => {
      fs.writeFileSync(path.join(forge, "conf", "environments", "prod.yaml"), `workspace_url: "${emulator.url}"\nvariables:\n  warehouse_id: "wh"\n`);
      state({ dev: { spaces: {} }, prod: { spaces: {} } });
      const run = await runCli(["migrate-genie-forge", "--project", forge], { cwd: project });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/prod: the space files do not validate[\s\S]*the migration stopped before writing anything/);
      expect(run.stdout).toContain("nothing was written");
      expect(tree(project)).toEqual(["Pulumi.yaml", "stacks"]);
    });

    test("a stack file that is a link is not written through; nothing else is written either", async () => {
      const outside = path.join(root, "elsewhere.yaml");
      fs.writeFileSync(outside, SENTINEL);
      fs.symlinkSync(outside, path.join(project, "stacks", "Pulumi.dev.yaml"));
      state({ dev: { spaces: {} } });
      const run = await runCli(["migrate-genie-forge", "--project", forge], { cwd: project });
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/stack file .*Pulumi\.dev\.yaml is a link/);
      expect(fs.readFileSync(outside, "utf8")).toBe(SENTINEL);
      expect(fs.existsSync(path.join(project, "spaces"))).toBe(false);
    });
  });
});
