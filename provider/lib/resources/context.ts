/**
 * What every resource runtime in one provider process shares: the settings the engine passes to
 * `configure`, one GenieClient per distinct settings (the client shares its connection pool,
 * rate limiter and token cache per host), the preview's unknown-value marker, and the guard that
 * keeps a resource in the workspace it was created in.
 */
import type * as pulumi from "@pulumi/pulumi";
import { credentialsFor, resolveAuthConfig } from "../auth";
import { GenieClient } from "../client";
import { environmentConfig, settingsFromConfig, type ConfigLookup, type ProviderSettings } from "./settings";

/** The value the engine sends for inputs not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether `value` is, or contains, a value unknown during preview. */
export function isUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(isUnknown);
  if (value && typeof value === "object") return Object.values(value).some(isUnknown);
  return false;
}

// How settings are read: the stack config from `configure`, else PULUMI_CONFIG. Parsed lazily and
// on every call, because the host caches a provider before its `configure` runs and a `configure`
// that throws would only fail the first call (the rest would run unconfigured).
let configLookup: ConfigLookup | undefined;
const clients = new Map<string, GenieClient>();

/** `configure` of every runtime: remembers the stack config; never throws (see above). */
export function configureProvider(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  configLookup = (key) => {
    const value: unknown = req.config.get(key);
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  return Promise.resolve();
}

// Parsed once per configuration (or once from PULUMI_CONFIG); a bad value fails every call alike.
let parsed: { lookup: ConfigLookup | undefined; settings?: ProviderSettings; error?: unknown } | undefined;

function currentSettings(): ProviderSettings {
  if (!parsed || parsed.lookup !== configLookup) {
    try {
      parsed = { lookup: configLookup, settings: settingsFromConfig(configLookup ?? environmentConfig()) };
    } catch (error) {
      parsed = { lookup: configLookup, error };
    }
  }
  if (parsed.error !== undefined) throw parsed.error;
  return parsed.settings as ProviderSettings;
}

/**
 * The client for the current settings. Credentials (environment, profile file) are resolved
 * once per settings, not on every call.
 */
export function providerClient(): GenieClient {
  const s = currentSettings();
  const key = JSON.stringify(s);
  let c = clients.get(key);
  if (!c) {
    const auth = resolveAuthConfig(s.auth, { env: process.env });
    c = new GenieClient({
      host: auth.host,
      credentials: credentialsFor(auth),
      requestsPerSecond: s.requestsPerSecond,
      requestTimeoutMs: s.requestTimeoutMs,
      operationTimeoutMs: s.operationTimeoutMs,
      userAgent: "pulumi-genie",
    });
    clients.set(key, c);
  }
  return c;
}

/**
 * Fails when the outputs in state were recorded in another workspace than the one the stack is
 * configured for now: Pulumi would otherwise silently re-create or re-point the resource there.
 * `what` names the resource in the message; `fix` says what to do.
 */
export function assertSameWorkspace(olds: Record<string, unknown>, c: GenieClient, what: string, fix: string): void {
  const recorded = typeof olds.host === "string" && olds.host !== "" ? olds.host : undefined;
  if (recorded && recorded !== c.host) {
    throw new Error(`${what} ${recorded}, but this stack is now configured for ${c.host}. Point databricks:host back at ${recorded}, or ${fix}`);
  }
}
