/**
 * GenieSpacePermissions scenarios: an emulator, a provider and a program that declares
 * permissions, on the tier test/harness/tiers.ts picks: in-process against the source (default),
 * or the real dynamic-provider host started from the project root with the program declaring
 * permissions through the package by name (GENIE_TEST_TIER=host), as in a user's project.
 */
import * as path from "node:path";
import type { GenieSpacePermissionsArgs } from "pulumi-genie";
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "pulumi-genie/emulator";
import { captureProgram, Engine, type DeclaredResource, type InProcessProvider, type ProviderHost } from "../../provider/tools/harness";
import { startScenarioProvider, testTier, type Tier } from "../harness/tiers";

export const PROJECT_ROOT = path.resolve(__dirname, "../..");

export interface PermissionsScenario {
  emulator: EmulatorHandle;
  /** The provider: a ProviderHost on the host tier (it can be killed), else an InProcessProvider. */
  host: ProviderHost | InProcessProvider;
  engine: Engine;
  /** Empty emulator, empty state, request log and output cleared: one host serves many tests. */
  reset(): void;
  declare(resources: Record<string, GenieSpacePermissionsArgs>, opts?: { preview?: boolean }): Promise<DeclaredResource[]>;
  /** Requests the emulator saw since the last call, as "METHOD path". */
  takeRequests(): string[];
  /**
   * The first provider stdout line since the last reset matching `match`. Output comes through a
   * pipe, not the gRPC reply, so a line may land shortly after the call that printed it returned.
   */
  waitForOutput(match: string | RegExp, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function startPermissionsScenario(opts: { emulator?: EmulatorOptions; tier?: Tier } = {}): Promise<PermissionsScenario> {
  const tier = opts.tier ?? testTier();
  const emulator = await startEmulator({ ...opts.emulator });
  const config = { "databricks:host": emulator.url, "databricks:token": emulator.token };
  const { host, library: { GenieSpacePermissions } } = await startScenarioProvider(emulator, {
    cwd: PROJECT_ROOT,
    project: "genie",
    config,
    env: { DATABRICKS_CONFIG_FILE: path.join(PROJECT_ROOT, "test/permissions/no-such-databrickscfg") },
  }, tier);
  let printed = 0;
  const scenario: PermissionsScenario = {
    emulator,
    host,
    engine: new Engine({ host }),
    reset() {
      emulator.reset();
      scenario.engine = new Engine({ host });
      printed = host.stdout.length;
    },
    async declare(resources, declareOpts) {
      const { resources: declared } = await captureProgram(
        () => {
          for (const [name, args] of Object.entries(resources)) new GenieSpacePermissions(name, args);
        },
        { project: "genie", stack: "dev", config, preview: declareOpts?.preview },
      );
      return declared;
    },
    takeRequests() {
      const seen = emulator.requests().map((r) => `${r.method} ${r.path}`);
      emulator.clearRequests();
      return seen;
    },
    async waitForOutput(match, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      const test = (line: string) => (typeof match === "string" ? line.includes(match) : match.test(line));
      for (;;) {
        const line = host.stdout.slice(printed).find(test);
        if (line !== undefined) return line;
        if (Date.now() > deadline) throw new Error(`no provider output matching ${match} within ${timeoutMs} ms; got:\n${host.stdout.slice(printed).join("\n")}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await host.close();
      await emulator.close();
    },
  };
  return scenario;
}

/** A space made in the UI by the emulator's user (dev@example.com), who holds its direct CAN_MANAGE. */
export function uiSpace(emulator: EmulatorHandle, title = "Sales"): string {
  const serialized = JSON.stringify({ version: 2, config: { sample_questions: [{ id: "0".repeat(31) + "1", question: ["How many orders?"] }] } });
  return emulator.spaces.uiCreate({ title, warehouse_id: "wh1", serialized_space: serialized }).space_id;
}

/** Direct grants as "kind:name=LEVEL", sorted by kind then name. */
export function directOf(emulator: EmulatorHandle, spaceId: string): string[] {
  return emulator.permissions.direct(spaceId).map(({ principal, level }) => {
    const [kind, name] = Object.entries(principal)[0];
    return `${kind}:${name}=${level}`;
  });
}

export function writes(requests: string[]): string[] {
  return requests.filter((r) => !r.startsWith("GET "));
}
