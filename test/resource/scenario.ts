/**
 * Shared set-up for GenieSpace scenarios: an emulator, a provider and programs that declare
 * spaces, on the tier test/harness/tiers.ts picks: in-process against the source (default), or
 * the real dynamic-provider host started from the project root, with programs declaring spaces
 * through the package by name (GENIE_TEST_TIER=host), exactly as in a user's project.
 */
import * as path from "node:path";
import type { GenieSpaceArgs } from "pulumi-genie";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "pulumi-genie/emulator";
import { captureProgram, Engine, type DeclaredResource, type InProcessProvider, type ProviderHost } from "../../provider/tools/harness";
import { startScenarioProvider, testTier, type Tier } from "../harness/tiers";

export const PROJECT_ROOT = path.resolve(__dirname, "../..");

export interface Scenario {
  emulator: EmulatorHandle;
  /** The provider: a ProviderHost on the host tier (it can be killed), else an InProcessProvider. */
  host: ProviderHost | InProcessProvider;
  engine: Engine;
  config: Record<string, string>;
  /** Declares the given spaces as a program would and returns what the engine receives. */
  declare(spaces: Record<string, GenieSpaceArgs>, opts?: { preview?: boolean }): Promise<DeclaredResource[]>;
  /** Requests the emulator saw since the last call, as "METHOD path". */
  takeRequests(): string[];
  close(): Promise<void>;
}

export async function startScenario(
  opts: {
    emulator?: EmulatorOptions;
    config?: Record<string, string>;
    parallelism?: number;
    /** Default: GENIE_TEST_TIER (in-process). Tests that kill the provider need "host". */
    tier?: Tier;
  } = {},
): Promise<Scenario> {
  const emulator = await startEmulator({ ...opts.emulator });
  const config = {
    "databricks:host": emulator.url,
    "databricks:token": emulator.token,
    ...opts.config,
  };
  // Keep the developer's own Databricks settings out of the provider process.
  const tier = opts.tier ?? testTier();
  const { host, library: { GenieSpace } } = await startScenarioProvider(emulator, {
    cwd: PROJECT_ROOT,
    project: "genie",
    config,
    env: { DATABRICKS_CONFIG_FILE: path.join(PROJECT_ROOT, "test/resource/no-such-databrickscfg") },
  }, tier);
  const engine = new Engine({ host, parallelism: opts.parallelism ?? 16 });
  return {
    emulator,
    host,
    engine,
    config,
    async declare(spaces, declareOpts) {
      const { resources } = await captureProgram(
        () => {
          for (const [name, args] of Object.entries(spaces)) new GenieSpace(name, args);
        },
        { project: "genie", stack: "dev", config, preview: declareOpts?.preview },
      );
      return resources;
    },
    takeRequests() {
      const seen = emulator.requests().map((r) => `${r.method} ${r.path}`);
      emulator.clearRequests();
      return seen;
    },
    async close() {
      await host.close();
      await emulator.close();
    },
  };
}

/** A small valid space in the friendly authoring form. */
export function salesSpace(n: number, extra: Record<string, unknown> = {}): GenieSpaceArgs["space"] {
  return {
    config: { sample_questions: [`How many orders did region ${n} place last week?`] },
    data_sources: {
      tables: [
        { identifier: `main.sales.orders_${n}`, description: `Orders of region ${n}.` },
        { identifier: `main.sales.customers` },
      ],
    },
    instructions: { text_instructions: [`Region ${n} reports in EUR.`] },
    ...extra,
  } as GenieSpaceArgs["space"];
}

export function writes(requests: string[]): string[] {
  return requests.filter((r) => !r.startsWith("GET "));
}
