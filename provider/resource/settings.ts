/**
 * Run-time settings of the provider process, read from the stack config the engine passes to
 * `configure` (fully-qualified keys: a key without a namespace would get the *consumer's* project
 * name prepended — shared/pulumi-dynamic-providers.md §2) and, for hosts that never call
 * `configure`, from the PULUMI_CONFIG environment variable. Credentials are resolved here, in the
 * provider process, so they never reach the serialized provider or state.
 */
import type { AuthSettings } from "../auth";

export interface ProviderSettings {
  auth: AuthSettings;
  /** Client-side request budget per workspace host (token bucket). */
  requestsPerSecond?: number;
  requestTimeoutMs?: number;
  operationTimeoutMs?: number;
}

export type ConfigLookup = (key: string) => string | undefined;

/** The stack config keys this provider reads, with the setting each one feeds. */
export const CONFIG_KEYS = {
  host: "databricks:host",
  token: "databricks:token",
  clientId: "databricks:clientId",
  clientSecret: "databricks:clientSecret",
  profile: "databricks:profile",
  configFile: "databricks:configFile",
  authType: "databricks:authType",
  requestsPerSecond: "genie:requestsPerSecond",
  requestTimeoutSeconds: "genie:requestTimeoutSeconds",
  operationTimeoutSeconds: "genie:operationTimeoutSeconds",
} as const;

export function settingsFromConfig(get: ConfigLookup): ProviderSettings {
  const authType = get(CONFIG_KEYS.authType);
  if (authType !== undefined && authType !== "pat" && authType !== "oauth-m2m") {
    throw new Error(`${CONFIG_KEYS.authType} must be "pat" or "oauth-m2m" (got "${authType}").`);
  }
  return {
    auth: {
      host: get(CONFIG_KEYS.host),
      token: get(CONFIG_KEYS.token),
      clientId: get(CONFIG_KEYS.clientId),
      clientSecret: get(CONFIG_KEYS.clientSecret),
      profile: get(CONFIG_KEYS.profile),
      configFile: get(CONFIG_KEYS.configFile),
      authType,
    },
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
