/**
 * Deploys a scaffolded project's own program (Pulumi.yaml `main`, importing "pulumi-genie" by
 * name as a user's does) through the engine harness against an emulator: the program runs under
 * Pulumi's Node.js language runtime (cmd/run, ts-node) from its project folder, and the provider
 * in the real dynamic-provider host. "pulumi-genie" resolves to dist/, so run
 * `npx tsc -p tsconfig.json` first (`npm test` does).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EmulatorHandle } from "../../provider/tools/emulator";
import { captureProgram, Engine, ProviderHost, projectInfo, type RunOptions } from "../../provider/tools/harness";
import { engineConfig, readStackFile } from "../../provider/tools/cli/stack-config";

const ROOT = path.resolve(__dirname, "../..");

export interface DeployedProject {
  engine: Engine;
  /** `pulumi up`: the program runs against the engine and the provider. */
  up(): ReturnType<Engine["up"]>;
  /** What the program declares, as `pulumi preview` would run it now. */
  declare(): Promise<Awaited<ReturnType<typeof captureProgram>>>;
  /** The project folder as a program, and the options it runs with (for engine.up/preview). */
  program: { dir: string };
  run: RunOptions;
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
  const flat = engineConfig(Object.fromEntries(Object.entries(config).filter(([k]) => !k.startsWith("databricks:"))));
  const settings = { ...flat, "databricks:host": emulator.url, "databricks:token": emulator.token };
  const project = projectInfo(projectDir);
  const run: RunOptions = { project: project.name, stack, config: settings };
  // The engine starts the provider in the program's folder, as it runs the program there.
  const host = await ProviderHost.start({ cwd: project.pwd, project: project.name, config: settings, env: { DATABRICKS_CONFIG_FILE: path.join(projectDir, "no-databrickscfg") } });
  const engine = new Engine({ host });
  const program = { dir: projectDir };
  return {
    engine,
    up: () => engine.up(program, run),
    declare: () => captureProgram(program, run),
    program,
    run,
    close: () => host.close(),
  };
}
