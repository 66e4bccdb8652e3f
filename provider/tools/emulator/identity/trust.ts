/**
 * The workspace side of the identity emulator: which identities an emulated workspace trusts, and
 * the two hooks the Genie emulator's server calls (docs/emulator.md "Identity providers"):
 * - `identityRoute`: RFC 8693 token exchange at `POST /oidc/v1/token` (workload identity federation
 *   policies) and `GET /aad/auth` (Azure tenant discovery);
 * - `adoptExternalBearer`: an Entra ID, managed-identity or Google token sent as a bearer is checked
 *   (signature, expiry, audience, trusted principal, Azure headers) and accepted by its workspace.
 */
import type { IncomingMessage } from "node:http";
import type { EmulatorHandle } from "../types";
import type { Workspace } from "../workspace";
import { AZURE_DATABRICKS_APP_ID } from "../../../lib/auth/azure";
import { audiences, peekClaims, type Claims } from "./jwt";
import { GOOGLE_ISSUER, type IdentityEmulator } from "./server";

export interface WorkspaceTrust {
  /** The emulated workspace (default: the top-level one). */
  workspace?: string;
  /** Federation policies: an ID token from `issuer` whose `sub` is `subject` becomes a token of service principal `clientId`. */
  federation?: Array<{ issuer: string; subject: string; clientId: string; audience?: string }>;
  /** Entra ID principals (service principals, managed identities) by application id, with the headers the workspace requires. */
  azure?: Array<{ tenantId: string; clientId: string; workspaceResourceId?: string; requireManagementToken?: boolean }>;
  /** Google service accounts whose ID tokens (audience = the workspace URL) it accepts. */
  google?: string[];
}

/** What the workspace saw with an external token it accepted (for tests asserting the headers). */
export interface AcceptedExternal {
  workspace: string;
  kind: "azure" | "google";
  principal: string;
  headers: Record<string, string | undefined>;
}

interface Attachment {
  identity: IdentityEmulator;
  trust: WorkspaceTrust[];
  accepted: AcceptedExternal[];
}

const attached = new Map<string, Attachment>();

/** Makes the Genie emulator at `emulator.url` trust what `identity` issues, as `trust` says. Returns the log of accepted external tokens. */
export function attachIdentity(emulator: Pick<EmulatorHandle, "url">, identity: IdentityEmulator, trust: WorkspaceTrust[]): AcceptedExternal[] {
  const accepted: AcceptedExternal[] = [];
  attached.set(emulator.url, { identity, trust, accepted });
  return accepted;
}

export function detachIdentity(emulator: Pick<EmulatorHandle, "url">): void {
  attached.delete(emulator.url);
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const oauthError = (status: number, error: string, description: string): Reply => ({ status, body: { error, error_description: description } });
const DEFAULT = "default";

function workspaceFor(workspaces: readonly Workspace[], name: string | undefined): Workspace | undefined {
  return workspaces.find((w) => w.name === (name ?? DEFAULT));
}

/** Routes the workspace serves for external identities; undefined when the request is not one. */
export function identityRoute(emulatorUrl: string, req: IncomingMessage, method: string, path: string, raw: string, workspaces: readonly Workspace[]): Reply | undefined {
  const a = attached.get(emulatorUrl);
  if (!a) return undefined;
  if (method === "GET" && path === "/aad/auth") {
    const tenant = a.trust.flatMap((t) => t.azure ?? [])[0]?.tenantId;
    if (!tenant) return undefined;
    return { status: 302, body: {}, headers: { Location: `${a.identity.url}/${tenant}/oauth2/authorize?client_id=${AZURE_DATABRICKS_APP_ID}` } };
  }
  if (method !== "POST" || path !== "/oidc/v1/token") return undefined;
  const form = new URLSearchParams(raw);
  if (form.get("grant_type") !== "urn:ietf:params:oauth:grant-type:token-exchange") return undefined;
  if (form.get("subject_token_type") !== "urn:ietf:params:oauth:token-type:jwt") return oauthError(400, "invalid_request", "subject_token_type must be urn:ietf:params:oauth:token-type:jwt");
  const subject = form.get("subject_token") ?? "";
  const checked = a.identity.verify(subject);
  if ("error" in checked) return oauthError(401, "invalid_grant", `The subject token is not valid: ${checked.error}`);
  const claims = checked.claims;
  const clientId = form.get("client_id") ?? undefined;
  const endpoint = `http://${req.headers.host ?? new URL(emulatorUrl).host}/oidc/v1/token`;
  for (const t of a.trust) {
    for (const p of t.federation ?? []) {
      if (p.issuer !== claims.iss || p.subject !== claims.sub) continue;
      if (clientId !== undefined && clientId !== p.clientId) continue;
      if (!audiences(claims).includes(p.audience ?? endpoint)) {
        return oauthError(401, "invalid_grant", `The subject token's audience ${JSON.stringify(claims.aud)} does not match the federation policy (expected ${p.audience ?? endpoint})`);
      }
      const ws = workspaceFor(workspaces, t.workspace);
      if (!ws) return oauthError(500, "server_error", `No workspace ${t.workspace}`);
      ws.permissions.addServicePrincipal(p.clientId);
      return { status: 200, body: ws.credentials.issue(p.clientId, form.get("scope") || "all-apis", Date.now()) };
    }
  }
  return oauthError(401, "invalid_grant", `No federation policy matches issuer ${String(claims.iss)} and subject ${String(claims.sub)}${clientId ? ` for client ${clientId}` : ""}`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Accepts (or refuses) an external bearer before the request is routed. Tokens this emulator did not
 * sign, and tokens of no trusted principal, are left alone (the workspace then answers 401).
 */
export function adoptExternalBearer(emulatorUrl: string, req: IncomingMessage, workspaces: readonly Workspace[]): void {
  const a = attached.get(emulatorUrl);
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
  if (!a || !bearer) return;
  const peek = peekClaims(bearer);
  if (!peek || typeof peek.iss !== "string") return;
  const checked = a.identity.verify(bearer);
  if ("error" in checked) return;
  const claims: Claims = checked.claims;
  const expiresAt = typeof claims.exp === "number" ? claims.exp * 1000 : Date.now() + 3600_000;
  const seen = {
    "X-Databricks-Azure-Workspace-Resource-Id": header(req, "X-Databricks-Azure-Workspace-Resource-Id"),
    "X-Databricks-Azure-SP-Management-Token": header(req, "X-Databricks-Azure-SP-Management-Token") === undefined ? undefined : "(set)",
    "X-Databricks-GCP-SA-Access-Token": header(req, "X-Databricks-GCP-SA-Access-Token") === undefined ? undefined : "(set)",
  };
  for (const t of a.trust) {
    const ws = workspaceFor(workspaces, t.workspace);
    if (!ws) continue;
    if (String(claims.iss).startsWith("https://sts.windows.net/")) {
      const p = (t.azure ?? []).find((x) => x.clientId === claims.appid && x.tenantId === claims.tid);
      if (!p || !audiences(claims).includes(AZURE_DATABRICKS_APP_ID)) continue;
      if (p.workspaceResourceId !== undefined && seen["X-Databricks-Azure-Workspace-Resource-Id"] !== p.workspaceResourceId) continue;
      if (p.requireManagementToken) {
        const mgmt = header(req, "X-Databricks-Azure-SP-Management-Token");
        const m = mgmt ? a.identity.verify(mgmt) : undefined;
        if (!m || "error" in m || m.claims.appid !== claims.appid || !audiences(m.claims).some((x) => x.startsWith("https://management.core."))) continue;
      }
      ws.permissions.addServicePrincipal(p.clientId);
      ws.credentials.adopt(bearer, p.clientId, expiresAt);
      a.accepted.push({ workspace: ws.name, kind: "azure", principal: p.clientId, headers: seen });
      return;
    }
    if (claims.iss === GOOGLE_ISSUER) {
      const email = typeof claims.email === "string" ? claims.email : String(claims.sub ?? "");
      const host = `http://${header(req, "host") ?? ""}`;
      if (!(t.google ?? []).includes(email) || !audiences(claims).includes(host)) continue;
      ws.permissions.addServicePrincipal(email);
      ws.credentials.adopt(bearer, email, expiresAt);
      a.accepted.push({ workspace: ws.name, kind: "google", principal: email, headers: seen });
      return;
    }
  }
}
