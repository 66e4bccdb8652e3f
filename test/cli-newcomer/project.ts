/**
 * Deploys a scaffolded project's own program (its index.ts, importing "pulumi-genie" by name as a
 * user's does) through the engine harness against an emulator. "pulumi-genie" resolves to dist/,
 * so run `npx tsc -p tsconfig.json` first (`npm test` does).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import type { EmulatorHandle } from "../../provider/tools/emulator";
import { captureProgram, Engine, ProviderHost } from "../../provider/tools/harness";
import { readStackFile } from "../../provider/tools/cli/stack-config";

const ROOT = path.resolve(__dirname, "../..");

export interface DeployedProject {
  engine: Engine;
  /** The program's resources, declared afresh, then `up`. */
  up(): ReturnType<Engine["up"]>;
  declare(): Promise<Awaited<ReturnType<typeof captureProgram>>>;
  close(): Promise<void>;
}

/** What `npm install` gives the project: this repository's node_modules (pulumi-genie links to it). */
export function linkNodeModules(projectDir: string): void {
  const link = path.join(projectDir, "node_modules");
  if (!fs.existsSync(link)) fs.symlinkSync(path.join(ROOT, "node_modules"), link, "dir");
}

export async function deployProject(projectDir: string, stack: string, emulator: EmulatorHandle): Promise<DeployedProject> {
  linkNodeModules(projectDir);
  const { config } = readStackFile(stack, projectDir);
  // The emulator stands in for the stack's workspace: its URL and token replace the stack's
  // `databricks:*` settings (a profile, a CI auth type), as `pulumi-genie demo` does.
  const flat = Object.fromEntries(
    Object.entries(config)
      .filter(([k]) => !k.startsWith("databricks:"))
      .map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
  const settings = { ...flat, "databricks:host": emulator.url, "databricks:token": emulator.token };
  const project = String((parse(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { name: string }).name);
  const host = await ProviderHost.start({ cwd: projectDir, config: settings, env: { DATABRICKS_CONFIG_FILE: path.join(projectDir, "no-databrickscfg") } });
  const engine = new Engine({ host });
  const programFile = path.join(projectDir, "index.ts");
  const deployed: DeployedProject = {
    engine,
    up: async () => engine.up((await deployed.declare()).resources),
    async declare() {
      const cwd = process.cwd();
      process.chdir(projectDir); // Pulumi runs a program from its project directory
      try {
        // The program is a function that reads its config and files on every call: loading it once is enough.
        // eslint-disable-next-line @typescript-eslint/no-var-requires
        const program = require(programFile) as () => Promise<unknown>;
        return await captureProgram(program, { project, stack, config: settings });
      } finally {
        process.chdir(cwd);
      }
    },
    close: () => host.close(),
  };
  return deployed;
}
