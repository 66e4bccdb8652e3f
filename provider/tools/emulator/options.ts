/**
 * The emulator's options: their defaults, the "default" workspace they describe, and the JSON
 * form `PATCH /__emulator/options` takes.
 */
import { invalidParameter } from "./api-error";
import { faultsFromJson } from "./faults";
import { EmulatorOptions } from "./types";
import { DEFAULT_USER, DEFAULT_WORKSPACE, WorkspaceSettings } from "./workspace";

/**
 * Default cap on a request body: 16 MiB, far above any serialized_space the validation limits
 * allow (docs/genie-api.md §2.5), so only a runaway or hostile body reaches it.
 */
export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

/** Every option with its default applied (except the few that stay optional). */
export type ResolvedOptions = Required<Omit<EmulatorOptions, "log" | "port" | "catalog" | "principals" | "workspaces">> &
  Pick<EmulatorOptions, "log" | "port" | "catalog" | "principals">;

export function resolveOptions(options: EmulatorOptions, token: string): ResolvedOptions {
  const user = options.user ?? DEFAULT_USER;
  return {
    port: options.port ?? 0,
    token,
    tokens: options.tokens ?? [],
    oauthClients: options.oauthClients ?? [],
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    user,
    strict: options.strict ?? true,
    optionalRules: options.optionalRules ?? false,
    latencyMs: options.latencyMs ?? 0,
    rateLimit: options.rateLimit ?? 0,
    trashDelayMs: options.trashDelayMs ?? 0,
    readLagMs: options.readLagMs ?? 0,
    titleDedup: options.titleDedup ?? true,
    defaultTitle: options.defaultTitle ?? "Untitled",
    folders: options.folders ?? [`/Users/${user}`, "/Shared"],
    missingFolderStyle: options.missingFolderStyle ?? "modern",
    pageSizeOver100: options.pageSizeOver100 ?? "reject",
    secondDelete: options.secondDelete ?? 404,
    catalog: options.catalog,
    faults: options.faults ?? [],
    principals: options.principals,
    reassignIds: options.reassignIds ?? false,
    bodyInWriteAnswers: options.bodyInWriteAnswers ?? true,
    timestamps: options.timestamps ?? true,
    maxBodyBytes: checkMaxBodyBytes(options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES),
    log: options.log,
  };
}

export function checkMaxBodyBytes(n: number): number {
  if (!Number.isInteger(n) || n <= 0) throw new Error(`maxBodyBytes must be a positive integer, got ${n}`);
  return n;
}

/** The top-level options as the "default" workspace. */
export function defaultWorkspace(o: ResolvedOptions): WorkspaceSettings {
  return {
    name: DEFAULT_WORKSPACE,
    token: o.token,
    tokens: o.tokens,
    oauthClients: o.oauthClients,
    user: o.user,
    folders: o.folders,
    principals: o.principals,
    catalog: o.catalog,
  };
}

/** Options that may change while running, over HTTP (not port, token, workspaces or log). */
const JSON_OPTION_KEYS: (keyof EmulatorOptions)[] = [
  "tokens",
  "oauthClients",
  "accessTokenTtlSeconds",
  "user",
  "strict",
  "optionalRules",
  "latencyMs",
  "rateLimit",
  "trashDelayMs",
  "readLagMs",
  "titleDedup",
  "defaultTitle",
  "folders",
  "missingFolderStyle",
  "pageSizeOver100",
  "secondDelete",
  "catalog",
  "principals",
  "reassignIds",
  "bodyInWriteAnswers",
  "timestamps",
  "maxBodyBytes",
];

/** The body of `PATCH /__emulator/options` as options; an unknown key → 400. */
export function optionsFromJson(body: Record<string, unknown>): Partial<EmulatorOptions> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "faults") out.faults = faultsFromJson(value);
    else if ((JSON_OPTION_KEYS as string[]).includes(key)) out[key] = value;
    else throw invalidParameter(`Unknown or unsupported emulator option '${key}'`);
  }
  return out as Partial<EmulatorOptions>;
}
