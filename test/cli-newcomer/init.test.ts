/** `init`: a ready project that validates at once and deploys; never overwrites unless told. */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runInit } from "../../provider/tools/cli/init";
import { runValidate } from "../../provider/tools/cli/validate";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator } from "../../provider/tools/emulator";
import { bufferIo, removeDir, scratchDir } from "../cli/helpers";
import { deployProject, linkNodeModules } from "./project";

const ROOT = path.resolve(__dirname, "../..");
const VERSION = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string }).version;

describe("init", () => {
  let parent: string;
  let dir: string;
  beforeEach(() => {
    parent = scratchDir("pulumi-genie-init-");
    dir = path.join(parent, "my-genie");
  });
  afterEach(() => removeDir(parent));

  test("scaffolds the project files, creating the folder", async () => {
    const io = bufferIo();
    expect(await runInit({ dir }, io)).toBe(0);
    for (const f of ["Pulumi.yaml", "package.json", "tsconfig.json", ".gitignore", "index.ts", "stacks/Pulumi.dev.yaml", "stacks/Pulumi.staging.yaml", "stacks/Pulumi.prod.yaml", "spaces/sales.yaml"]) {
      expect(fs.existsSync(path.join(dir, f))).toBe(true);
      expect(io.out()).toContain(`  ${f}\n`);
    }
    const project = parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"));
    expect(project).toMatchObject({ name: "my-genie", runtime: { name: "nodejs", options: { packagemanager: "npm" } }, stackConfigDir: "stacks", main: "index.ts" });
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    expect(pkg.dependencies["pulumi-genie"]).toBe(`^${VERSION}`);
    expect(pkg.dependencies["@pulumi/pulumi"]).toMatch(/^\^3\./);
    expect(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).toMatch(/^# dev: /);
    expect(parse(fs.readFileSync(path.join(dir, "stacks/Pulumi.prod.yaml"), "utf8")).config["genie:protect"]).toBe(true);
  });

  test.each(["dev", "staging", "prod"])("the scaffold passes validate --stack %s at once", async (stack) => {
    await runInit({ dir }, bufferIo());
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", stack, projectDir: dir }, io)).toBe(0);
    expect(io.out()).toContain("ok  sales  (spaces/sales.yaml)");
  });

  test("--host/--catalog/--schema/--warehouse-id fill the dev stack", async () => {
    await runInit({ dir, host: "https://adb-1.azuredatabricks.net", catalog: "sandbox", schema: "genie", warehouseId: "abc123" }, bufferIo());
    const dev = parse(fs.readFileSync(path.join(dir, "stacks/Pulumi.dev.yaml"), "utf8")).config;
    expect(dev["databricks:host"]).toBe("https://adb-1.azuredatabricks.net");
    expect(dev["genie:variables"]).toMatchObject({ catalog: "sandbox", schema: "genie", warehouse_id: "abc123" });
  });

  test("--minimal: the same project without comments, README or example space, still valid", async () => {
    expect(await runInit({ dir, minimal: true }, bufferIo())).toBe(0);
    expect(fs.existsSync(path.join(dir, "spaces/sales.yaml"))).toBe(false);
    expect(fs.existsSync(path.join(dir, "README.md"))).toBe(false);
    expect(fs.readdirSync(path.join(dir, "spaces"))).toEqual([]);
    for (const f of ["Pulumi.yaml", "stacks/Pulumi.dev.yaml", "stacks/Pulumi.prod.yaml", "index.ts"]) {
      expect(fs.readFileSync(path.join(dir, f), "utf8")).not.toMatch(/^\s*(#|\/\*\*)/m);
    }
    const io = bufferIo();
    expect(await runValidate({ target: "spaces", stack: "dev", projectDir: dir }, io)).toBe(0);
  });

  test("an existing file: refused with the list of files, nothing written; --force overwrites", async () => {
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), "name: mine\n");
    const io = bufferIo();
    expect(await runInit({ dir }, io)).toBe(2);
    expect(io.err()).toMatch(/already has Pulumi\.yaml: nothing was written[\s\S]*--force/);
    expect(fs.readdirSync(dir)).toEqual(["Pulumi.yaml"]);
    expect(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).toBe("name: mine\n");
    const forced = bufferIo();
    expect(await runInit({ dir, force: true }, forced)).toBe(0);
    expect(forced.out()).toContain("Pulumi.yaml  (overwritten)");
    expect(parse(fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8")).name).toBe("my-genie");
  });

  test("DIR that is a file: refused", async () => {
    fs.writeFileSync(path.join(parent, "afile"), "x");
    const io = bufferIo();
    expect(await runInit({ dir: path.join(parent, "afile") }, io)).toBe(2);
    expect(io.err()).toMatch(/is a file, not a folder/);
  });

  test("the scaffolded program type-checks with its own tsconfig against the package's published types", async () => {
    await runInit({ dir }, bufferIo());
    linkNodeModules(dir);
    const tsc = spawnSync(process.execPath, [path.join(ROOT, "node_modules/typescript/bin/tsc"), "-p", path.join(dir, "tsconfig.json"), "--noEmit"], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });

  test("the scaffolded program deploys to the emulator: up creates the space, a second up changes nothing, destroy trashes it", async () => {
    await runInit({ dir }, bufferIo());
    const emulator = await startEmulator({ folders: ["/Shared/genie/dev"] });
    const deployed = await deployProject(dir, "dev", emulator);
    try {
      const first = await deployed.declare();
      expect(first.resources.map((r) => r.name)).toEqual(["sales"]);
      const up = await deployed.engine.up(first.resources);
      expect(up.failed).toBe(0);
      expect(up.steps.map((s) => s.op)).toEqual(["create"]);
      const [space] = emulator.spaces.list();
      expect(space.title).toBe("Sales (dev)");
      expect(space.serialized_space).toContain("main.genie_demo.orders");
      const again = await deployed.engine.up((await deployed.declare()).resources);
      expect(again.changed).toBe(0);
      expect((await deployed.engine.destroy()).failed).toBe(0);
      expect(emulator.spaces.list()).toEqual([]);
    } finally {
      await deployed.close();
      await emulator.close();
      await closeConnectionPools();
    }
  });
});
