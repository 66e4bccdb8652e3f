/**
 * `whoami`: which workspace and identity the current settings resolve to, and where each setting
 * came from (flag, stack file, environment, profile) — never the value of a secret.
 */
import type { Command } from "commander";
import { request } from "undici";
import { ATTRIBUTES, AUTH_TYPES, SECRET_SETTINGS, candidateMethods, credentialsFor, loginCommand, redactSecrets, type ResolvedCredentials } from "../../lib/auth";
import { parseErrorBody } from "../../lib/client";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { addWorkspaceOptions, resolveWorkspace, workspaceOptionsFrom, type ResolvedWorkspace, type WorkspaceOptions } from "./workspace";

export interface WhoamiOptions extends WorkspaceOptions {
  json?: boolean;
  /** Only resolve the settings; do not ask the workspace who we are. */
  offline?: boolean;
}

export interface WhoamiReport {
  host: string;
  /** The method in use (online), or the first that applies (offline: not verified). */
  authType: string;
  workspaceId?: string;
  profile?: string;
  configFile?: string;
  clientId?: string;
  /** Each setting that is set: "value" for plain ones, "(set)" for secrets. */
  settings: Record<string, { value: string; source: string }>;
  /** Methods of the default order passed over, and why (only when no auth type was configured). */
  skipped?: Array<{ method: string; why: string }>;
  user?: string;
  notes: string[];
}

const ME_PATH = "/api/2.0/preview/scim/v2/Me";

/** The settings as resolved, without contacting anything; `authType` is a guess until `method` is known. */
export function whoamiReport(workspace: ResolvedWorkspace, method?: string): WhoamiReport {
  const { auth, sources } = workspace;
  const settings: WhoamiReport["settings"] = {};
  const { candidates, skipped } = candidateMethods(auth, { env: workspace.env });
  const authType = method ?? auth.authType ?? candidates[0] ?? "none";
  for (const { attr } of ATTRIBUTES) {
    const raw = attr === "authType" ? authType : (auth as unknown as Record<string, unknown>)[attr];
    // An auth type nobody set is inferred from which settings are present; say so.
    const source = sources[attr] ?? (attr === "authType" ? authTypeReason(authType, auth.authType !== undefined, method !== undefined) : undefined);
    if (source === undefined || typeof raw !== "string") continue;
    // Secrets are reported as present, never shown (not even a prefix).
    settings[attr] = { value: SECRET_SETTINGS.has(attr) ? "(set)" : raw, source };
  }
  const report: WhoamiReport = { host: auth.host, authType, settings, notes: [...workspace.notes] };
  if (auth.workspaceId !== undefined) report.workspaceId = auth.workspaceId;
  if (auth.profile !== undefined) report.profile = auth.profile;
  if (auth.configFile !== undefined) report.configFile = auth.configFile;
  if (auth.clientId !== undefined) report.clientId = auth.clientId;
  if (auth.authType === undefined && auth.sources.authType === undefined) {
    const passed = skipped.filter((s) => authType === "none" || order(s.method) < order(authType));
    if (passed.length > 0) report.skipped = passed;
  }
  return report;
}

function order(method: string): number {
  return (AUTH_TYPES as readonly string[]).indexOf(method);
}

function authTypeReason(authType: string, inferred: boolean, verified: boolean): string {
  if (authType === "pat" && inferred) return "inferred: a token is set";
  if (authType === "oauth-m2m" && inferred) return "inferred: client id and secret are set";
  if (authType === "none") return "no method applies";
  return verified ? "the first method that worked, in the Databricks SDKs' order" : "the first method that applies, in the Databricks SDKs' order (not verified: --offline)";
}

/** The caller's user name (a service principal's application id for OAuth M2M), from SCIM /Me. */
export async function currentUser(workspace: ResolvedWorkspace, credentials: ResolvedCredentials = credentialsFor(workspace.auth, { env: workspace.env })): Promise<string> {
  const { auth } = workspace;
  const headers: Record<string, string> = { ...(await credentials.headers()), accept: "application/json" };
  if (auth.workspaceId !== undefined) headers["x-databricks-org-id"] = auth.workspaceId;
  let status: number;
  let text: string;
  let contentType: string | undefined;
  try {
    const res = await request(`${auth.host}${ME_PATH}`, { method: "GET", headers, headersTimeout: 30_000, bodyTimeout: 30_000 });
    status = res.statusCode;
    contentType = typeof res.headers["content-type"] === "string" ? res.headers["content-type"] : undefined;
    text = await res.body.text();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? (e as Error).name;
    throw new CliError(`cannot reach ${auth.host} to read the current user: ${code} [GET ${ME_PATH}]\n  fix: check network access to the workspace host and the host URL (source: ${workspace.sources.host})`);
  }
  if (status >= 200 && status < 300) {
    const me = JSON.parse(text || "{}") as { userName?: string; displayName?: string; id?: string };
    return me.userName ?? me.displayName ?? me.id ?? "(unknown)";
  }
  const body = parseErrorBody(status, contentType, text);
  const what = body.errorCode ? `${body.errorCode}: ${body.message}` : body.message;
  const method = await credentials.method();
  const fix = status === 401 || status === 403 ? `the workspace rejected the ${rejected(workspace, method)}; renew it or pick other settings` : "check the host URL and that the workspace is reachable";
  // Every live credential, in every form, is scrubbed from what the server echoed (lib/auth/redact.ts).
  throw new CliError(redactSecrets(`cannot read the current user: ${what} [HTTP ${status} GET ${ME_PATH}]\n  fix: ${fix}`));
}

function rejected(workspace: ResolvedWorkspace, method: string): string {
  const { auth, sources } = workspace;
  switch (method) {
    case "pat":
      return `token (source: ${sources.token})`;
    case "oauth-m2m":
      return `OAuth client ${auth.clientId} (source: ${sources.clientId})`;
    case "databricks-cli":
      return `Databricks CLI login; run \`${loginCommand(auth)}\``;
    default:
      return `${method} identity (auth type ${method}${sources.authType ? `, from ${sources.authType}` : ""})`;
  }
}

export function formatWhoami(report: WhoamiReport): string {
  const rows: [string, string, string][] = [];
  const label = (attr: string): string => (attr === "authType" ? "auth type" : (ATTRIBUTES.find((a) => a.attr === attr)?.fileKey ?? attr).replace(/_/g, " "));
  for (const [attr, { value, source }] of Object.entries(report.settings)) rows.push([label(attr), value, source]);
  if (report.workspaceId !== undefined) rows.push(["workspace id", report.workspaceId, "from the host URL (?o=)"]);
  if (report.user !== undefined) rows.push(["user", report.user, `GET ${ME_PATH}`]);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = rows.map(([k, v, s]) => `${k.padEnd(w0)}  ${v.padEnd(w1)}  (${s})`);
  for (const s of report.skipped ?? []) lines.push(`skipped ${s.method}: ${s.why}`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join("\n") + "\n";
}

export async function runWhoami(opts: WhoamiOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const workspace = resolveWorkspace(opts);
    let report: WhoamiReport;
    if (opts.offline) report = whoamiReport(workspace);
    else {
      const credentials = credentialsFor(workspace.auth, { env: workspace.env });
      const method = await credentials.method();
      report = whoamiReport(workspace, method);
      report.user = await currentUser(workspace, credentials);
    }
    io.stdout.write(opts.json ? JSON.stringify(report, null, 2) + "\n" : formatWhoami(report));
    return 0;
  });
}

export function registerWhoamiCommand(program: Command, io: CliIo = processIo()): void {
  addWorkspaceOptions(
    program
      .command("whoami")
      .description("Show the workspace and identity the current settings resolve to, and where each setting comes from (never a secret)."),
  )
    .option("--json", "machine-readable output")
    .option("--offline", "only resolve settings; do not call the workspace")
    .action(async (flags: { host?: string; profile?: string; stack?: string; json?: boolean; offline?: boolean }) => {
      finish(io, await runWhoami({ ...workspaceOptionsFrom(flags), json: flags.json, offline: flags.offline }, io));
    });
}
