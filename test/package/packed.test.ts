/**
 * What a consumer gets from `npm install pulumi-genie`: the packed tarball (its `files` and
 * `exports`), installed into a fresh project next to its dependencies, with a program that writes
 * `new GenieSpace(...)` — deployed through the real provider host against the emulator.
 * The package must be built first (`npm test` does).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { captureProgram, Engine, ProviderHost } from "../../provider/tools/harness";
import { startEmulator } from "../../provider/tools/emulator";

const ROOT = path.resolve(__dirname, "../..");

/** Extracts the packed tarball as node_modules/pulumi-genie and links its dependencies, as npm would. */
function installPacked(project: string): string[] {
  const packed = spawnSync("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", project], { cwd: ROOT, encoding: "utf8" });
  expect(packed.status).toBe(0);
  const [{ filename, files }] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const target = path.join(project, "node_modules/pulumi-genie");
  fs.mkdirSync(target, { recursive: true });
  const untar = spawnSync("tar", ["-xzf", path.join(project, filename), "-C", target, "--strip-components=1"]);
  expect(untar.status).toBe(0);
  const manifest = JSON.parse(fs.readFileSync(path.join(target, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
  };
  for (const dep of [...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]) {
    const link = path.join(project, "node_modules", dep);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.symlinkSync(path.join(ROOT, "node_modules", dep), link, "dir");
  }
  return files.map((f) => f.path);
}

describe("the packed package", () => {
  let project: string;
  beforeAll(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), "genie-consumer-"));
  });
  afterAll(() => {
    fs.rmSync(project, { recursive: true, force: true });
  });

  test("ships the built library, the runtime, the emulator, the harness, the bin and the docs the README links to — and no sources or tests", () => {
    const files = installPacked(project);
    for (const f of ["dist/provider/index.js", "dist/provider/index.d.ts", "dist/provider/lib/resources/runtime.js", "dist/provider/tools/emulator/index.js", "dist/provider/tools/harness/index.js", "dist/provider/tools/cli/main.js", "README.md", "docs/README.md", "docs/resources/genie-space.md", "package.json"]) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith("test/") || f.startsWith("provider/") || f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);
    expect(fs.readFileSync(path.join(project, "node_modules/pulumi-genie/dist/provider/tools/cli/main.js"), "utf8")).toMatch(/^#!\/usr\/bin\/env node/);
  });

  test("a consumer's `new GenieSpace(...)` deploys, refreshes quietly and destroys with nothing but credentials set", async () => {
    fs.writeFileSync(
      path.join(project, "index.js"),
      `const { GenieSpace } = require("pulumi-genie");
new GenieSpace("consumer", {
  warehouseId: "wh1",
  space: { data_sources: { tables: [{ identifier: "main.sales.orders" }] }, config: { sample_questions: ["How many orders?"] } },
});
`,
    );
    const emulator = await startEmulator();
    const config = { "databricks:host": emulator.url, "databricks:token": emulator.token };
    const host = await ProviderHost.start({ cwd: project, config, env: { DATABRICKS_CONFIG_FILE: path.join(project, "none") } });
    try {
      const { resources } = await captureProgram(() => require(path.join(project, "index.js")), { project: "consumer", stack: "dev", config });
      expect(resources).toHaveLength(1);
      expect(resources[0].type).toBe("pulumi-nodejs:dynamic/genie:GenieSpace");
      const engine = new Engine({ host });
      expect((await engine.up(resources)).failed).toBe(0);
      expect(emulator.spaces.list().map((s) => s.title)).toEqual(["consumer"]);
      expect((await engine.refresh()).changed).toBe(0);
      expect((await engine.destroy()).failed).toBe(0);
      expect(emulator.spaces.list()).toEqual([]);
    } finally {
      await host.close();
      await emulator.close();
    }
  });
});
