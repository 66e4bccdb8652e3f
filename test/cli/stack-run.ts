/**
 * Runs the repository's stack program (stacks/program.ts) for a stack of a scratch project, through
 * the real dynamic-provider host against an emulator — what `pulumi up --stack <name>` does.
 * The program and the provider load the package by name, so run `npx tsc -p tsconfig.json` first.
 */
import * as path from "node:path";
import { engineConfig, readStackFile } from "../../provider/tools/cli/stack-config";
import type { EmulatorHandle } from "../../provider/tools/emulator";
import { captureProgram, Engine, ProviderHost, type DeclaredResource } from "../../provider/tools/harness";

export const REPO_ROOT = path.resolve(__dirname, "../..");

/** Stack file config as the engine hands it to a program: objects as JSON text; spacesDir made absolute. */
export function stackConfig(projectDir: string, stack: string): Record<string, string> {
  const { config } = readStackFile(stack, projectDir);
  const out = engineConfig(config);
  // The program resolves genie:spacesDir against its working directory (the project root).
  out["genie:spacesDir"] = path.resolve(projectDir, out["genie:spacesDir"] ?? "spaces");
  return out;
}

export async function declareStack(projectDir: string, stack: string, preview = false): Promise<DeclaredResource[]> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const program = require(path.join(REPO_ROOT, "stacks/program.ts"));
  const { resources } = await captureProgram(program, { project: "genie", stack, config: stackConfig(projectDir, stack), preview });
  return resources;
}

export interface StackRun {
  engine: Engine;
  host: ProviderHost;
  up(): ReturnType<Engine["up"]>;
  preview(): ReturnType<Engine["preview"]>;
  close(): Promise<void>;
}

/**
 * An engine for one stack of a project, its provider configured from the stack file plus the
 * emulator's token — or, with `configFile`, plus that ~/.databrickscfg (for stacks naming a profile).
 */
export async function stackRun(projectDir: string, stack: string, emulator: EmulatorHandle, opts: { configFile?: string } = {}): Promise<StackRun> {
  const config = { ...stackConfig(projectDir, stack), ...(opts.configFile ? {} : { "databricks:token": emulator.token }) };
  const host = await ProviderHost.start({
    cwd: REPO_ROOT,
    config,
    env: { DATABRICKS_CONFIG_FILE: opts.configFile ?? path.join(REPO_ROOT, "test/cli/no-such-databrickscfg") },
  });
  const engine = new Engine({ host });
  return {
    engine,
    host,
    up: async () => engine.up(await declareStack(projectDir, stack)),
    preview: async () => engine.preview(await declareStack(projectDir, stack, true)),
    close: () => host.close(),
  };
}

export function writesOf(emulator: EmulatorHandle): string[] {
  return emulator
    .requests()
    .filter((r) => r.method !== "GET")
    .map((r) => `${r.method} ${r.path}`);
}
