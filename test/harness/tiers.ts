/**
 * The two test tiers for pulumi-genie's own resources.
 *
 * - in-process (default, fast): the program's classes come from the TypeScript source and the
 *   serialized shim's `require("pulumi-genie/runtime")` runs the source runtime
 *   (provider/lib/resources/runtime.ts), through InProcessProvider — the host's request handling
 *   in this process. An edit shows up at the next jest run, no build needed.
 * - host (GENIE_TEST_TIER=host): the package as a user installs it (`pulumi-genie` → dist/) in the
 *   real dynamic-provider host, a child process. The contract tier: `.ci/run` runs the scenario
 *   suites this way on every leg; run `npx tsc -p tsconfig.json` first.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { InProcessProvider, ProviderHost } from "../../provider/tools/harness";

export type Tier = "in-process" | "host";

export function testTier(): Tier {
  const tier = process.env.GENIE_TEST_TIER ?? "in-process";
  if (tier !== "in-process" && tier !== "host") throw new Error(`GENIE_TEST_TIER must be "in-process" or "host" (got "${tier}")`);
  return tier;
}

/** The library a program of this tier declares its resources with: the source, or the installed package. */
export function genieLibrary(tier: Tier = testTier()): typeof import("../../provider") {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return tier === "host" ? require("pulumi-genie") : require("../../provider");
}

export interface ProviderStart {
  /** Where the host runs (packages required by `__provider` resolve from here). */
  cwd: string;
  project: string;
  config: Record<string, string>;
  env?: Record<string, string>;
}

/**
 * A provider for one stack. In-process, every provider gets its own copy of the runtime module
 * graph, as every host process does (settings, clients and rate limiters are module state).
 */
export function startProvider(opts: ProviderStart, tier: Tier = testTier()): Promise<ProviderHost | InProcessProvider> {
  if (tier === "host") return ProviderHost.start(opts);
  let runtime: unknown;
  jest.isolateModules(() => {
    runtime = require("../../provider/lib/resources/runtime");
  });
  return InProcessProvider.start({ ...opts, modules: { "pulumi-genie/runtime": runtime } });
}

/**
 * The provider and the package a scenario against `emulator` uses, on `tier`. A scenario that
 * cannot start (no dist/ on the host tier, say) leaves nothing running: not the provider, not the
 * emulator.
 */
export async function startScenarioProvider(emulator: { close(): Promise<void> }, opts: ProviderStart, tier: Tier) {
  let host: ProviderHost | InProcessProvider | undefined;
  try {
    host = await startProvider(opts, tier);
    return { host, library: genieLibrary(tier) };
  } catch (e) {
    await host?.close();
    await emulator.close();
    throw e;
  }
}

/**
 * A program file evaluated anew on every call (each `pulumi up` starts a fresh process), sharing
 * this test's module registry. `jest.isolateModules` would give the program a second copy of
 * @pulumi/pulumi, and the SDK cannot register through another copy's monitor connection (its
 * gRPC client rejects the other copy's request messages) — under the real language runtime as
 * with two SDK copies in one project.
 */
export function loadFresh(file: string): unknown {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const ts = require("typescript") as typeof import("typescript");
  const { outputText } = ts.transpileModule(fs.readFileSync(file, "utf8"), {
    fileName: file,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  const module = { exports: {} as unknown };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  new Function("exports", "require", "module", "__filename", "__dirname", outputText)(module.exports, require, module, file, path.dirname(file));
  return module.exports;
}
