// Databricks unified auth: where host and credentials come from (docs/authentication.md).
//
// Loaders run in the official SDKs' order and never overwrite a value already set:
//   explicit settings → environment variables → ~/.databrickscfg profile.
// Which credential strategy is used is decided by ./credentials.ts (the SDKs' default order), except
// when `auth_type` names one, or when a PAT or OAuth client credentials are set: those two come first
// in the order and need no I/O, so the choice is known here already.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  ATTRIBUTES,
  AUTH_TYPES,
  UNSUPPORTED_AUTH_TYPES,
  howToSet,
  isTrue,
  type Attribute,
  type AuthType,
} from "./attributes";
import { normalizeHost } from "./host";
import { readProfileFile } from "./profile-file";
import { registerClientCredentials, registerSecret } from "./redact";

export { STACK_CONFIG_KEYS, SECRET_SETTINGS, AUTH_TYPES } from "./attributes";
export type { AuthType, Attribute } from "./attributes";

/** Settings given in code or Pulumi stack config (`databricks:host`, `databricks:token`, …). */
export type AuthSettings = Partial<Record<Attribute, string>>;

export interface ResolvedAuthConfig extends Omit<AuthSettings, "authType"> {
  host: string;
  /** The strategy, when configured (auth_type) or implied by a PAT / client credentials; else the default order decides. */
  authType?: AuthType;
  /** Workspace id promoted from a pasted `?o=<id>` host URL (Go SDK `fixHostIfNeeded`). */
  workspaceId?: string;
  /** Host of the profile that was read, when it differs from `host` (then the profile's CLI login is not used). */
  profileHost?: string;
  /** attribute → where it came from, e.g. "explicit", "env DATABRICKS_HOST", "profile [dev] in /home/x/.databrickscfg". */
  sources: Record<string, string>;
  /** What happened with the config file (for messages). */
  fileNote?: string;
}

/** A configuration problem the user must fix. Never carries a secret. */
export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AuthConfigError";
  }
}

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

type Values = Partial<Record<Attribute, string>>;
type Setter = (attr: Attribute, value: unknown, source: string) => void;

/**
 * Resolves host and credentials from explicit settings, environment and the config file.
 * Synchronous (the config file is small); throws AuthConfigError with a message that says what to fix.
 * Every credential read is registered with the redaction point (./redact.ts).
 */
export function resolveAuthConfig(explicit: AuthSettings = {}, opts: { env?: NodeJS.ProcessEnv; homeDir?: string } = {}): ResolvedAuthConfig {
  const env = opts.env ?? process.env;
  const homeDir = opts.homeDir ?? os.homedir();
  const values: Values = {};
  const sources: Record<string, string> = {};

  const set: Setter = (attr, value, source) => {
    const v = nonEmpty(value);
    if (v === undefined || values[attr] !== undefined) return;
    values[attr] = v;
    sources[attr] = source;
  };

  for (const { attr } of ATTRIBUTES) set(attr as Attribute, explicit[attr as Attribute], "explicit");
  for (const { attr, env: name } of ATTRIBUTES) set(attr as Attribute, env[name], `env ${name}`);

  const configFilePath = expandHome(values.configFile ?? path.join(homeDir, ".databrickscfg"), homeDir);
  const fileReport = loadProfile(values, sources, set, configFilePath);
  for (const { attr, secret } of ATTRIBUTES) {
    // google_credentials may be a path (not a secret, and useful in messages) or the key JSON itself.
    if (secret && !(attr === "googleCredentials" && !values[attr]?.trimStart().startsWith("{"))) registerSecret(values[attr as Attribute]);
  }
  registerClientCredentials(values.clientId, values.clientSecret);
  registerClientCredentials(values.azureClientId, values.azureClientSecret);

  return validate(values, sources, configFilePath, fileReport);
}

/** What happened with the config file, for messages. */
type FileReport =
  | { kind: "skipped" }
  | { kind: "missing"; requested?: string }
  | { kind: "loaded"; profile: string; profileHost?: string }
  | { kind: "no-profile"; profile: string };

function loadProfile(values: Values, sources: Record<string, string>, set: Setter, configFilePath: string): FileReport {
  const namedProfile = values.profile;
  // The file is skipped entirely when no profile is selected and host or an auth attribute is
  // already set (Go SDK config_file.go, Python _known_file_config_loader).
  const anyAuth = ATTRIBUTES.some((a) => a.group !== undefined && values[a.attr as Attribute] !== undefined);
  if (namedProfile === undefined && (anyAuth || values.host !== undefined)) return { kind: "skipped" };
  if (namedProfile === SETTINGS_SECTION) {
    throw new AuthConfigError(`"${SETTINGS_SECTION}" is reserved in ${configFilePath} and cannot be used as a profile name`);
  }
  // A missing file is not an error, even with a profile named: the SDKs then go on with what the
  // environment gives (Go config_file.go "not found on current host"). The final "nothing
  // configured" message says the requested profile was not found.
  if (!fs.existsSync(configFilePath)) return { kind: "missing", requested: namedProfile };

  const file = readProfileFile(configFilePath, (msg) => new AuthConfigError(msg));
  let profile = namedProfile;
  let profileSource = "named";
  if (profile === undefined) {
    const fromSettings = nonEmpty(file.section(SETTINGS_SECTION)?.default_profile);
    if (fromSettings === SETTINGS_SECTION) {
      throw new AuthConfigError(`"${SETTINGS_SECTION}" is reserved in ${configFilePath} and cannot be used as a profile name`);
    }
    if (fromSettings !== undefined) {
      profile = fromSettings;
      profileSource = "default_profile";
      set("profile", fromSettings, `[${SETTINGS_SECTION}] default_profile in ${configFilePath}`);
    }
  }
  if (profile === undefined) {
    const section = file.section("DEFAULT");
    // A missing DEFAULT profile is silently ignored.
    if (section === undefined || Object.keys(section).length === 0) return { kind: "no-profile", profile: "DEFAULT" };
    applySection(section, "DEFAULT", configFilePath, set);
    set("profile", "DEFAULT", `default profile in ${configFilePath}`);
    return { kind: "loaded", profile: "DEFAULT", profileHost: nonEmpty(section.host) };
  }
  const section = file.section(profile);
  if (section === undefined) {
    const known = file.profileNames().filter((n) => n !== SETTINGS_SECTION);
    const via = profileSource === "default_profile" ? ` (named by [${SETTINGS_SECTION}] default_profile)` : "";
    throw new AuthConfigError(`profile "${profile}"${via} not found in ${configFilePath}; profiles there: ${known.length ? known.join(", ") : "(none)"}`);
  }
  applySection(section, profile, configFilePath, set);
  return { kind: "loaded", profile, profileHost: nonEmpty(section.host) };
}

function applySection(section: Record<string, unknown>, profile: string, configFilePath: string, set: Setter): void {
  for (const { attr, fileKey } of ATTRIBUTES) {
    if (fileKey !== undefined) set(attr as Attribute, section[fileKey], `profile [${profile}] in ${configFilePath}`);
  }
}

/** The SDKs' auth groups with a value set, sorted (Go `attributes.Validate`). */
function groupsUsed(values: Values): string[] {
  const groups = new Set<string>();
  for (const a of ATTRIBUTES) {
    const v = values[a.attr as Attribute];
    if (a.group === undefined || v === undefined) continue;
    if (a.flag && !isTrue(v)) continue;
    groups.add(a.group);
  }
  return [...groups].sort();
}

function checkFlag(values: Values, sources: Record<string, string>, attr: Attribute): void {
  const v = values[attr];
  if (v !== undefined && !/^(true|false|1|0|t|f|yes|no|on|off)$/i.test(v)) {
    throw new AuthConfigError(`${howToSet(attr)} must be true or false (got "${v}" from ${sources[attr]})`);
  }
}

function validate(values: Values, sources: Record<string, string>, configFilePath: string, fileReport: FileReport): ResolvedAuthConfig {
  const groups = groupsUsed(values);
  if (values.host === undefined && groups.length === 0) {
    throw new AuthConfigError(nothingConfiguredMessage(configFilePath, fileReport));
  }
  checkFlag(values, sources, "azureUseMsi");

  let authType: AuthType | undefined;
  if (values.authType !== undefined) {
    const wanted = values.authType;
    if (!(AUTH_TYPES as readonly string[]).includes(wanted)) {
      const known = (UNSUPPORTED_AUTH_TYPES as readonly string[]).includes(wanted) ? " is not supported by pulumi-genie" : " is unknown";
      throw new AuthConfigError(`unsupported auth type "${wanted}" (from ${sources.authType}): "${wanted}"${known}; supported: ${AUTH_TYPES.join(", ")}`);
    }
    authType = wanted as AuthType;
  } else if (groups.length > 1) {
    const where = groups.map((g) => `${g}: ${ATTRIBUTES.filter((a) => a.group === g && values[a.attr as Attribute] !== undefined).map((a) => `${a.fileKey ?? a.attr} from ${sources[a.attr]}`).join(", ")}`);
    throw new AuthConfigError(
      `validate: more than one authorization method configured: ${groups.join(" and ")} (${where.join("; ")}). ` +
        `Remove all but one, or pick one with auth_type (databricks:authType / DATABRICKS_AUTH_TYPE / "auth_type" in a profile), e.g. ${AUTH_TYPES.slice(0, 3).join(", ")}`,
    );
  } else if (values.token !== undefined) {
    authType = "pat";
  } else if (values.clientId !== undefined && values.clientSecret !== undefined) {
    authType = "oauth-m2m";
  }

  if (values.host === undefined) {
    throw new AuthConfigError(`Databricks host is not set: set ${howToSet("host")} (profiles are read from ${configFilePath})`);
  }
  const { host, workspaceId } = normalizeHost(values.host, (msg) => new AuthConfigError(msg));
  const profileHost =
    fileReport.kind === "loaded" && fileReport.profileHost !== undefined
      ? normalizeHost(fileReport.profileHost, (msg) => new AuthConfigError(msg)).host
      : undefined;
  assertCredentialMatchesHost(host, values, sources, fileReport, profileHost);

  const resolved: ResolvedAuthConfig = { host, sources };
  if (authType !== undefined) resolved.authType = authType;
  if (workspaceId !== undefined) resolved.workspaceId = workspaceId;
  for (const a of ATTRIBUTES) {
    if (a.attr === "host" || a.attr === "authType") continue;
    const v = values[a.attr as Attribute];
    if (v === undefined) continue;
    // With auth_type set, another group's credentials never travel further.
    if (values.authType !== undefined && a.secret && !secretBelongsTo(a.attr, authType as AuthType)) continue;
    (resolved as unknown as Record<string, string>)[a.attr] = v;
  }
  if (values.configFile !== undefined || fileReport.kind === "loaded") resolved.configFile = configFilePath;
  if (profileHost !== undefined && profileHost !== host) resolved.profileHost = profileHost;
  resolved.fileNote = fileReportLine(configFilePath, fileReport);
  return resolved;
}

/** Which strategies use which secret attribute. */
const SECRET_USERS: Record<string, readonly AuthType[]> = {
  token: ["pat"],
  clientSecret: ["oauth-m2m"],
  azureClientSecret: ["azure-client-secret"],
  googleCredentials: ["google-credentials"],
  actionsIdTokenRequestToken: ["github-oidc"],
};

function secretBelongsTo(attr: string, authType: AuthType): boolean {
  return SECRET_USERS[attr]?.includes(authType) ?? true;
}

/**
 * Precedence (explicit → environment → profile) can take the host from one place and the
 * credential from a profile written for another workspace — e.g. DATABRICKS_HOST for dev with
 * `--profile prod`. Sending prod's credential to dev's host would leak it: refuse, and say how to fix.
 */
function assertCredentialMatchesHost(host: string, values: Values, sources: Record<string, string>, report: FileReport, profileHost: string | undefined): void {
  if (report.kind !== "loaded" || profileHost === undefined || profileHost === host) return;
  if (sources.host?.startsWith("profile [")) return;
  const fromProfile = ATTRIBUTES.filter((a) => (a.secret || a.group) && values[a.attr as Attribute] !== undefined && sources[a.attr]?.startsWith("profile ["));
  if (fromProfile.length === 0) return;
  throw new AuthConfigError(
    `the host ${host} (from ${sources.host}) is not the host of profile [${report.profile}] (${profileHost}), whose ` +
      `${fromProfile.map((a) => a.fileKey).join(", ")} would be used: refusing to send one workspace's credential to another. ` +
      `Remove the host set by ${sources.host ?? "your settings"}, or select the profile written for ${host}.`,
  );
}

function fileReportLine(configFilePath: string, report: FileReport): string {
  switch (report.kind) {
    case "skipped":
      return `Config file ${configFilePath} was not read because other settings were given and no profile was selected.`;
    case "missing":
      return report.requested !== undefined
        ? `Profile "${report.requested}" was requested but the config file ${configFilePath} does not exist.`
        : `Config file ${configFilePath} does not exist.`;
    case "no-profile":
      return `Config file ${configFilePath} has no [${report.profile}] profile.`;
    case "loaded":
      return `Profile [${report.profile}] was read from ${configFilePath}.`;
  }
}

function nothingConfiguredMessage(configFilePath: string, report: FileReport): string {
  const envNames = ATTRIBUTES.map((a) => a.env);
  return [
    "no Databricks workspace configured: no host and no credentials were found. Checked, in order:",
    `  1. explicit settings: Pulumi stack config ${ATTRIBUTES.slice(0, 7).map((a) => `databricks:${a.attr}`).join(", ")} (and the other databricks:* keys) — none set`,
    `  2. environment variables: ${envNames.join(", ")} — none set`,
    `  3. config file ${configFilePath} (DATABRICKS_CONFIG_FILE; profile from DATABRICKS_CONFIG_PROFILE, ` +
      `[${SETTINGS_SECTION}] default_profile, else [DEFAULT]) — ${fileReportLine(configFilePath, report)}`,
    "Fix: `pulumi config set databricks:host https://<workspace>` plus a credential: `pulumi config set --secret databricks:token <PAT>`, " +
      "or a service principal (DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET), or `databricks auth login --host https://<workspace>` " +
      `(then only the host is needed); or export DATABRICKS_HOST and DATABRICKS_TOKEN; or add a [DEFAULT] profile to ${configFilePath}. ` +
      "Every method: docs/authentication.md.",
  ].join("\n");
}
