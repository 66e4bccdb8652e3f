// What the harness Engine needs from a dynamic provider: the pulumirpc.ResourceProvider calls the
// engine makes, with plain JSON property bags. Two implementations: ProviderHost (the real
// dynamic-provider host as a child process, over gRPC) and InProcessProvider (the same host rules
// played in this process, for fast tests against the source).
import type { Props } from "./values";

/** The provider methods the engine calls, by their pulumirpc names. */
export type ProviderMethod = "configure" | "check" | "diff" | "create" | "read" | "update" | "delete";

/**
 * An error a provider method raised, as the engine sees it. When `create`/`update`/`read` threw an
 * error carrying `id` (the object exists but a later step failed), the host sends an
 * ErrorResourceInitFailed detail: `id`, `outputs` and `reasons` come from it.
 */
export class HostError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly code: number,
    readonly id?: string,
    readonly outputs?: Props,
    readonly reasons: string[] = [],
  ) {
    super(message);
    this.name = "HostError";
  }
}

export interface CheckResult {
  inputs: Props;
  failures: { property: string; reason: string }[];
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** The provider had no diff method (DIFF_UNKNOWN): the engine must compare inputs itself. */
  unknown: boolean;
}

export interface ReadResult {
  /** "" when the provider reported the object gone. */
  id: string;
  outputs: Props;
  /** The inputs the provider returned from read, or undefined when it returned none. */
  inputs?: Props;
}

/** A dynamic provider as the engine drives it. Property bags are plain JSON (no secret wrappers). */
export interface DynamicProvider {
  check(urn: string, olds: Props, news: Props): Promise<CheckResult>;
  /** `olds` are the old outputs; `oldInputs` the old inputs (sent as the engine does). */
  diff(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props): Promise<DiffResult>;
  create(urn: string, props: Props): Promise<{ id: string; outputs: Props }>;
  read(id: string, urn: string, props: Props, inputs: Props): Promise<ReadResult>;
  update(id: string, urn: string, olds: Props, news: Props, oldInputs?: Props): Promise<Props>;
  delete(id: string, urn: string, props: Props, oldInputs?: Props): Promise<void>;
  /** Provider output, line by line (console output of the provider code). */
  readonly stdout: string[];
  readonly stderr: string[];
  waitForLine(stream: "stdout" | "stderr", match: string | RegExp, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

/**
 * The stack config a provider process is given, split the way the engine splits it:
 * - Configure gets every key, namespace kept, secrets marked (deploy/target.go GetPackageConfig:
 *   dynamic providers receive the full configuration);
 * - PULUMI_CONFIG in the process environment holds only the provider package's own keys
 *   (`pulumi-nodejs:*`), without the namespace (host.go Provider: config filtered by package).
 */
export function providerEnvironmentConfig(config: Record<string, string>): Record<string, string> {
  const own: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    if (key.startsWith(`${DYNAMIC_PROVIDER_PACKAGE}:`)) own[key.slice(DYNAMIC_PROVIDER_PACKAGE.length + 1)] = value;
  }
  return own;
}

/** The package of the Node.js dynamic provider (its resources are `pulumi-nodejs:dynamic…`). */
export const DYNAMIC_PROVIDER_PACKAGE = "pulumi-nodejs";

/** Resolves with the first line of `lines` that matches, polling until it appears, or fails after `timeoutMs`. */
export async function waitForLine(lines: string[], stream: string, match: string | RegExp, timeoutMs = 2000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const test = (line: string) => (typeof match === "string" ? line.includes(match) : match.test(line));
  for (;;) {
    const line = lines.find(test);
    if (line !== undefined) return line;
    if (Date.now() > deadline) throw new Error(`no ${stream} line matching ${match} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
