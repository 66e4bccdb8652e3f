// Databricks unified auth: where host and credentials come from (docs/genie-api.md §4).
//
// Loaders run in the official SDKs' order and never overwrite a value already set:
//   explicit settings → DATABRICKS_* environment variables → ~/.databrickscfg profile.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { normalizeHost } from "./host";
import { readProfileFile } from "./profile-file";

export type AuthType = "pat" | "oauth-m2m";
const AUTH_TYPES: readonly AuthType[] = ["pat", "oauth-m2m"];

/** Settings given in code or Pulumi stack config (`databricks:host`, `databricks:token`, …). */
export interface AuthSettings {
  host?: string;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  profile?: string;
  configFile?: string;
  authType?: AuthType;
}

export interface ResolvedAuthConfig {
  host: string;
  authType: AuthType;
  token?: string;
  clientId?: string;
  clientSecret?: string;
  profile?: string;
  configFile?: string;
  /** Workspace id promoted from a pasted `?o=<id>` host URL (Go SDK `fixHostIfNeeded`). */
  workspaceId?: string;
  /** attribute → where it came from, e.g. "explicit", "env DATABRICKS_HOST", "profile [dev] in /home/x/.databrickscfg". */
  sources: Record<string, string>;
}

/** A configuration problem the user must fix. Never carries a secret. */
export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthConfigError";
  }
}

type Attribute = keyof AuthSettings;

/** Attribute ↔ environment variable ↔ config-file key (Go SDK `config/config.go`). */
const ATTRIBUTES: ReadonlyArray<{ attr: Attribute; env: string; fileKey?: string; pulumi: string }> = [
  { attr: "host", env: "DATABRICKS_HOST", fileKey: "host", pulumi: "databricks:host" },
  { attr: "token", env: "DATABRICKS_TOKEN", fileKey: "token", pulumi: "databricks:token" },
  { attr: "clientId", env: "DATABRICKS_CLIENT_ID", fileKey: "client_id", pulumi: "databricks:clientId" },
  { attr: "clientSecret", env: "DATABRICKS_CLIENT_SECRET", fileKey: "client_secret", pulumi: "databricks:clientSecret" },
  { attr: "authType", env: "DATABRICKS_AUTH_TYPE", fileKey: "auth_type", pulumi: "databricks:authType" },
  { attr: "profile", env: "DATABRICKS_CONFIG_PROFILE", pulumi: "databricks:profile" },
  { attr: "configFile", env: "DATABRICKS_CONFIG_FILE", pulumi: "databricks:configFile" },
];

/**
 * The Pulumi stack config key of each setting. The provider (resource/settings.ts) and the CLI's
 * `--stack` (cli/workspace.ts) read exactly these keys, always fully qualified.
 */
export const STACK_CONFIG_KEYS = Object.fromEntries(ATTRIBUTES.map((a) => [a.attr, a.pulumi])) as Readonly<Record<Attribute, string>>;

/** Settings that are credentials: only ever `pulumi config set --secret` or the environment. */
export const SECRET_SETTINGS: ReadonlySet<Attribute> = new Set<Attribute>(["token", "clientSecret"]);

/** Attributes whose presence means "the user already configured auth", which skips the config file. */
const AUTH_ATTRIBUTES: readonly Attribute[] = ["host", "token", "clientId", "clientSecret"];

const SETTINGS_SECTION = "__settings__";

function nonEmpty(v: unknown): string | undefined {
  if (typeof v === "boolean" || typeof v === "number") return String(v);
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  return t === "" ? undefined : t;
}

function expandHome(p: string, homeDir: string): string {
  if (p === "~") return homeDir;
  if (p.startsWith("~/") || p.startsWith("~\\")) return path.join(homeDir, p.slice(2));
  return p;
}

/**
 * Resolves host and credentials from explicit settings, environment and the config file.
 * Synchronous (the config file is small); throws AuthConfigError with a message that says what to fix.
 */
export function resolveAuthConfig(
  explicit: AuthSettings = {},
  opts: { env?: NodeJS.ProcessEnv; homeDir?: string } = {},
): ResolvedAuthConfig {
  const env = opts.env ?? process.env;
  const homeDir = opts.homeDir ?? os.homedir();
  const values: Partial<Record<Attribute, string>> = {};
  const sources: Record<string, string> = {};

  const set = (attr: Attribute, value: unknown, source: string): void => {
    const v = nonEmpty(value);
    if (v === undefined || values[attr] !== undefined) return;
    values[attr] = v;
    sources[attr] = source;
  };

  for (const { attr } of ATTRIBUTES) set(attr, explicit[attr], "explicit");
  for (const { attr, env: name } of ATTRIBUTES) set(attr, env[name], `env ${name}`);

  const configFilePath = expandHome(values.configFile ?? path.join(homeDir, ".databrickscfg"), homeDir);
  const fileReport = loadProfile(values, sources, set, configFilePath);

  return validate(values, sources, configFilePath, fileReport);
}

/** What happened with the config file, for the "nothing configured" message. */
type FileReport =
  | { kind: "skipped" }
  | { kind: "missing" }
  | { kind: "loaded"; profile: string; profileHost?: string }
  | { kind: "no-profile"; profile: string };

function loadProfile(
  values: Partial<Record<Attribute, string>>,
  sources: Record<string, string>,
  set: (attr: Attribute, value: unknown, source: string) => void,
  configFilePath: string,
): FileReport {
  const namedProfile = values.profile;
  // docs/genie-api.md §4: the file is skipped entirely when no profile is selected and host or an auth
  // attribute is already set (Go config_file.go, Python _known_file_config_loader).
  if (namedProfile === undefined && AUTH_ATTRIBUTES.some((a) => values[a] !== undefined)) {
    return { kind: "skipped" };
  }
  if (namedProfile === SETTINGS_SECTION) {
    throw new AuthConfigError(`"${SETTINGS_SECTION}" is reserved in ${configFilePath} and cannot be used as a profile name`);
  }
  if (!fs.existsSync(configFilePath)) {
    if (values.configFile !== undefined) {
      throw new AuthConfigError(
        `Databricks config file ${configFilePath} (from ${sources.configFile}) does not exist`,
      );
    }
    if (namedProfile !== undefined) {
      throw new AuthConfigError(
        `profile "${namedProfile}" was requested but the Databricks config file ${configFilePath} does not exist`,
      );
    }
    return { kind: "missing" };
  }

  const file = readProfileFile(configFilePath, (msg) => new AuthConfigError(msg));
  let profile = namedProfile;
  let profileSource = "named";
  if (profile === undefined) {
    const fromSettings = nonEmpty(file.section(SETTINGS_SECTION)?.default_profile);
    if (fromSettings !== undefined) {
      profile = fromSettings;
      profileSource = "default_profile";
      set("profile", fromSettings, `[${SETTINGS_SECTION}] default_profile in ${configFilePath}`);
    }
  }
  if (profile === undefined) {
    const section = file.section("DEFAULT");
    // A missing DEFAULT profile is silently ignored (docs/genie-api.md §4).
    if (section === undefined) return { kind: "no-profile", profile: "DEFAULT" };
    applySection(section, "DEFAULT", configFilePath, set);
    set("profile", "DEFAULT", `default profile in ${configFilePath}`);
    return { kind: "loaded", profile: "DEFAULT", profileHost: nonEmpty(section.host) };
  }
  const section = file.section(profile);
  if (section === undefined) {
    const known = file.profileNames().filter((n) => n !== SETTINGS_SECTION);
    const via = profileSource === "default_profile" ? ` (named by [${SETTINGS_SECTION}] default_profile)` : "";
    throw new AuthConfigError(
      `profile "${profile}"${via} not found in ${configFilePath}; profiles there: ${known.length ? known.join(", ") : "(none)"}`,
    );
  }
  applySection(section, profile, configFilePath, set);
  return { kind: "loaded", profile, profileHost: nonEmpty(section.host) };
}

function applySection(
  section: Record<string, unknown>,
  profile: string,
  configFilePath: string,
  set: (attr: Attribute, value: unknown, source: string) => void,
): void {
  for (const { attr, fileKey } of ATTRIBUTES) {
    if (fileKey !== undefined) set(attr, section[fileKey], `profile [${profile}] in ${configFilePath}`);
  }
}

function validate(
  values: Partial<Record<Attribute, string>>,
  sources: Record<string, string>,
  configFilePath: string,
  fileReport: FileReport,
): ResolvedAuthConfig {
  const hasPat = values.token !== undefined;
  const hasClientId = values.clientId !== undefined;
  const hasClientSecret = values.clientSecret !== undefined;

  if (values.host === undefined && !hasPat && !hasClientId && !hasClientSecret) {
    throw new AuthConfigError(nothingConfiguredMessage(configFilePath, fileReport));
  }

  let authType: AuthType;
  if (values.authType !== undefined) {
    if (!(AUTH_TYPES as readonly string[]).includes(values.authType)) {
      throw new AuthConfigError(
        `unsupported auth type "${values.authType}" (from ${sources.authType}); supported: ${AUTH_TYPES.join(", ")}`,
      );
    }
    authType = values.authType as AuthType;
  } else if (hasPat && (hasClientId || hasClientSecret)) {
    throw new AuthConfigError(
      `validate: more than one authorization method configured: oauth and pat ` +
        `(token from ${sources.token}; client credentials from ${sources.clientId ?? sources.clientSecret}). ` +
        `Remove one, or set authType (databricks:authType / DATABRICKS_AUTH_TYPE) to "pat" or "oauth-m2m"`,
    );
  } else if (hasPat) {
    authType = "pat";
  } else if (hasClientId || hasClientSecret) {
    authType = "oauth-m2m";
  } else {
    throw new AuthConfigError(
      `no Databricks credentials configured for host ${values.host} (from ${sources.host}). ` +
        `Set a personal access token (databricks:token / DATABRICKS_TOKEN / "token" in a profile) or OAuth client ` +
        `credentials (databricks:clientId + databricks:clientSecret / DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET / ` +
        `"client_id" + "client_secret" in a profile). ${fileReportLine(configFilePath, fileReport)}`,
    );
  }

  if (authType === "pat" && !hasPat) {
    throw new AuthConfigError(
      `auth type "pat" (from ${sources.authType}) needs a token: set databricks:token or DATABRICKS_TOKEN`,
    );
  }
  if (authType === "oauth-m2m" && (!hasClientId || !hasClientSecret)) {
    const missing = !hasClientId ? "client id (databricks:clientId / DATABRICKS_CLIENT_ID)" : "client secret (databricks:clientSecret / DATABRICKS_CLIENT_SECRET)";
    throw new AuthConfigError(`OAuth machine-to-machine auth needs both a client id and a client secret; missing the ${missing}`);
  }
  if (values.host === undefined) {
    throw new AuthConfigError(
      `Databricks host is not set: set databricks:host, DATABRICKS_HOST or "host" in a profile of ${configFilePath}`,
    );
  }

  const { host, workspaceId } = normalizeHost(values.host, (msg) => new AuthConfigError(msg));
  assertCredentialMatchesHost(host, authType, sources, fileReport);
  const resolved: ResolvedAuthConfig = { host, authType, sources };
  if (workspaceId !== undefined) resolved.workspaceId = workspaceId;
  // Only the selected method's secrets are kept, so an unused one never travels further.
  if (authType === "pat") resolved.token = values.token;
  else {
    resolved.clientId = values.clientId;
    resolved.clientSecret = values.clientSecret;
  }
  if (values.profile !== undefined) resolved.profile = values.profile;
  if (values.configFile !== undefined || fileReport.kind === "loaded") resolved.configFile = configFilePath;
  return resolved;
}

/**
 * Precedence (explicit → environment → profile) can take the host from one place and the
 * credential from a profile written for another workspace — e.g. DATABRICKS_HOST for dev with
 * `--profile prod`. Sending prod's token to dev's host would leak it: refuse, and say how to fix.
 */
function assertCredentialMatchesHost(host: string, authType: AuthType, sources: Record<string, string>, report: FileReport): void {
  if (report.kind !== "loaded" || report.profileHost === undefined) return;
  const credentialSource = authType === "pat" ? sources.token : sources.clientSecret;
  if (!credentialSource?.startsWith("profile [") || sources.host?.startsWith("profile [")) return;
  const profileHost = normalizeHost(report.profileHost, (msg) => new AuthConfigError(msg)).host;
  if (profileHost === host) return;
  throw new AuthConfigError(
    `the host ${host} (from ${sources.host}) is not the host of profile [${report.profile}] (${profileHost}), whose ` +
      `${authType === "pat" ? "token" : "client secret"} would be used: refusing to send one workspace's credential to another. ` +
      `Remove the host set by ${sources.host ?? "your settings"}, or select the profile written for ${host}.`,
  );
}

function fileReportLine(configFilePath: string, report: FileReport): string {
  switch (report.kind) {
    case "skipped":
      return `Config file ${configFilePath} was not read because other settings were given and no profile was selected.`;
    case "missing":
      return `Config file ${configFilePath} does not exist.`;
    case "no-profile":
      return `Config file ${configFilePath} has no [${report.profile}] profile.`;
    case "loaded":
      return `Profile [${report.profile}] in ${configFilePath} has no host or credentials.`;
  }
}

function nothingConfiguredMessage(configFilePath: string, report: FileReport): string {
  return [
    "no Databricks workspace configured: no host and no credentials were found. Checked, in order:",
    "  1. explicit settings: Pulumi stack config databricks:host, databricks:token, databricks:clientId, " +
      "databricks:clientSecret, databricks:profile, databricks:configFile, databricks:authType — none set",
    "  2. environment variables: DATABRICKS_HOST, DATABRICKS_TOKEN, DATABRICKS_CLIENT_ID, DATABRICKS_CLIENT_SECRET, " +
      "DATABRICKS_CONFIG_PROFILE, DATABRICKS_CONFIG_FILE, DATABRICKS_AUTH_TYPE — none set",
    `  3. config file ${configFilePath} (DATABRICKS_CONFIG_FILE; profile from DATABRICKS_CONFIG_PROFILE, ` +
      `[${SETTINGS_SECTION}] default_profile, else [DEFAULT]) — ${fileReportLine(configFilePath, report)}`,
    "Fix: `pulumi config set databricks:host https://<workspace>` plus `pulumi config set --secret databricks:token <PAT>`; " +
      "or export DATABRICKS_HOST and DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET for a service principal); " +
      `or add a [DEFAULT] profile with host and token to ${configFilePath}.`,
  ].join("\n");
}
