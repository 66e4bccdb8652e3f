/**
 * `whoami`: which workspace and identity the current settings resolve to, and where each setting
 * came from (flag, stack file, environment, profile) — never the value of a secret.
 */
import type { Command } from "commander";
import { request } from "undici";
import { credentialsFor, redactSecrets } from "../../lib/auth";
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
  authType: string;
  workspaceId?: string;
  profile?: string;
  configFile?: string;
  clientId?: string;
  /** Each setting that is set: "value" for plain ones, "(set)" for secrets. */
  settings: Record<string, { value: string; source: string }>;
  user?: string;
  notes: string[];
}

const SECRET_ATTRIBUTES = new Set(["token", "clientSecret"]);
const ME_PATH = "/api/2.0/preview/scim/v2/Me";

export function whoamiReport(workspace: ResolvedWorkspace): WhoamiReport {
  const { auth, sources } = workspace;
  const plain: Record<string, string | undefined> = {
    host: auth.host,
    authType: auth.authType,
    profile: auth.profile,
    configFile: auth.configFile,
    clientId: auth.clientId,
  };
  const settings: WhoamiReport["settings"] = {};
  for (const attr of ["host", "authType", "token", "clientId", "clientSecret", "profile", "configFile"]) {
    // An auth type nobody set is inferred from which credentials are present; say so.
    const source = sources[attr] ?? (attr === "authType" ? authTypeReason(auth.authType) : undefined);
    if (source === undefined) continue;
    // Secrets are reported as present, never shown (not even a prefix).
    const value = SECRET_ATTRIBUTES.has(attr) ? "(set)" : plain[attr];
    if (value === undefined) continue;
    settings[attr] = { value, source };
  }
  const report: WhoamiReport = { host: auth.host, authType: auth.authType, settings, notes: [...workspace.notes] };
  if (auth.workspaceId !== undefined) report.workspaceId = auth.workspaceId;
  if (auth.profile !== undefined) report.profile = auth.profile;
  if (auth.configFile !== undefined) report.configFile = auth.configFile;
  if (auth.clientId !== undefined) report.clientId = auth.clientId;
  return report;
}

function authTypeReason(authType: string): string {
  return authType === "pat" ? "inferred: a token is set" : "inferred: client id and secret are set";
}

/** The caller's user name (a service principal's application id for OAuth M2M), from SCIM /Me. */
export async function currentUser(workspace: ResolvedWorkspace): Promise<string> {
  const { auth } = workspace;
  const headers: Record<string, string> = { authorization: await credentialsFor(auth).authorization(), accept: "application/json" };
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
  const fix =
    status === 401 || status === 403
      ? `the workspace rejected the ${auth.authType === "pat" ? `token (source: ${workspace.sources.token})` : `OAuth client ${auth.clientId} (source: ${workspace.sources.clientId})`}; renew it or pick other settings`
      : "check the host URL and that the workspace is reachable";
  throw new CliError(redactSecrets(`cannot read the current user: ${what} [HTTP ${status} GET ${ME_PATH}]\n  fix: ${fix}`));
}

export function formatWhoami(report: WhoamiReport): string {
  const rows: [string, string, string][] = [];
  const label: Record<string, string> = {
    host: "host",
    authType: "auth type",
    token: "token",
    clientId: "client id",
    clientSecret: "client secret",
    profile: "profile",
    configFile: "config file",
  };
  for (const [attr, { value, source }] of Object.entries(report.settings)) rows.push([label[attr] ?? attr, value, source]);
  if (report.workspaceId !== undefined) rows.push(["workspace id", report.workspaceId, "from the host URL (?o=)"]);
  if (report.user !== undefined) rows.push(["user", report.user, `GET ${ME_PATH}`]);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = rows.map(([k, v, s]) => `${k.padEnd(w0)}  ${v.padEnd(w1)}  (${s})`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  return lines.join("\n") + "\n";
}

export async function runWhoami(opts: WhoamiOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const workspace = resolveWorkspace(opts);
    const report = whoamiReport(workspace);
    if (!opts.offline) report.user = await currentUser(workspace);
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
