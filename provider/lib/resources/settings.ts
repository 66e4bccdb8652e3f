/**
 * Run-time settings of the provider process, read from the stack config the engine passes to
 * `configure` (fully-qualified keys: a key without a namespace would get the *consumer's* project
 * name prepended — docs/dynamic-providers.md §2) and, for hosts that never call
 * `configure`, from the PULUMI_CONFIG environment variable. Credentials are resolved here, in the
 * provider process, so they never reach the serialized provider or state.
 */
import { AUTH_TYPES, STACK_CONFIG_KEYS, type AuthSettings } from "../auth";

export interface ProviderSettings {
  auth: AuthSettings;
  /** Client-side request budget per workspace host (token bucket). */
  requestsPerSecond?: number;
  requestTimeoutMs?: number;
  operationTimeoutMs?: number;
}

export type ConfigLookup = (key: string) => string | undefined;

/** The provider's own stack config keys (the `databricks:*` ones are auth's STACK_CONFIG_KEYS). */
export const CONFIG_KEYS = {
  requestsPerSecond: "genie:requestsPerSecond",
  requestTimeoutSeconds: "genie:requestTimeoutSeconds",
  operationTimeoutSeconds: "genie:operationTimeoutSeconds",
} as const;

export function settingsFromConfig(get: ConfigLookup): ProviderSettings {
  const auth: Record<string, string | undefined> = {};
  for (const [attr, key] of Object.entries(STACK_CONFIG_KEYS)) auth[attr] = get(key);
  if (auth.authType !== undefined && !(AUTH_TYPES as readonly string[]).includes(auth.authType)) {
    throw new Error(`${STACK_CONFIG_KEYS.authType} must be one of ${AUTH_TYPES.join(", ")} (got "${auth.authType}").`);
  }
  return {
    auth: auth as AuthSettings,
    requestsPerSecond: positiveNumber(get, CONFIG_KEYS.requestsPerSecond),
    requestTimeoutMs: seconds(get, CONFIG_KEYS.requestTimeoutSeconds),
    operationTimeoutMs: seconds(get, CONFIG_KEYS.operationTimeoutSeconds),
  };
}

/** Config lookup over PULUMI_CONFIG (the JSON object the engine sets for plugins). */
export function environmentConfig(env: NodeJS.ProcessEnv = process.env): ConfigLookup {
  let parsed: Record<string, unknown> = {};
  try {
    parsed = env.PULUMI_CONFIG ? (JSON.parse(env.PULUMI_CONFIG) as Record<string, unknown>) : {};
  } catch {
    parsed = {};
  }
  return (key) => {
    const value = parsed[key];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
}

function positiveNumber(get: ConfigLookup, key: string): number | undefined {
  const raw = get(key);
  if (raw === undefined || raw === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${key} must be a positive number (got "${raw}").`);
  return n;
}

function seconds(get: ConfigLookup, key: string): number | undefined {
  const n = positiveNumber(get, key);
  return n === undefined ? undefined : n * 1000;
}
