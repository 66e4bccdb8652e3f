/**
 * The identity emulator: the identity providers Databricks unified auth talks to, on 127.0.0.1, so
 * every sign-in method is tested offline (docs/emulator.md "Identity providers"):
 * - an OIDC issuer (discovery + JWKS) that signs ID tokens for workload identity federation;
 * - the GitHub Actions ID-token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN);
 * - a Microsoft Entra ID token endpoint (v1, tenant-scoped client credentials; AZURE_AUTHORITY_HOST);
 * - an Azure managed-identity (IMDS) endpoint (AZURE_POD_IDENTITY_AUTHORITY_HOST);
 * - Google's OAuth token endpoint (service-account JWT bearer, refresh tokens) and the IAM
 *   Credentials API (generateIdToken / generateAccessToken; PULUMI_GENIE_GOOGLE_IAM_ENDPOINT).
 * The Genie emulator accepts what these issue once attached to it (./trust.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, timingSafeEqual } from "node:crypto";
import { jwks, newSigningKey, signJwt, verifyJwt, type Claims, type SigningKey } from "./jwt";

export interface IdentityEmulatorOptions {
  /** GitHub Actions: the job's request token and the `sub` of the ID tokens issued. */
  github?: { requestToken: string; subject?: string; repository?: string };
  /** Microsoft Entra ID confidential clients (service principals), per tenant. */
  entra?: Array<{ tenantId: string; clientId: string; clientSecret: string }>;
  /** Managed identities of "this machine" (IMDS): at most one system-assigned, any user-assigned. */
  managedIdentities?: Array<{ clientId: string; tenantId: string; systemAssigned?: boolean }>;
  /** Google: service accounts (keys generated here), users with ADC refresh tokens, impersonation grants (service account → principals). */
  google?: {
    serviceAccounts?: string[];
    users?: Array<{ email: string; clientId: string; clientSecret: string; refreshToken: string }>;
    impersonators?: Record<string, string[]>;
  };
  /** Lifetime of every token issued (default 3600 s). */
  tokenTtlSeconds?: number;
}

export interface IdentityRequest {
  method: string;
  path: string;
  status: number;
}

export interface IdentityEmulator {
  url: string;
  /** `iss` of the OIDC ID tokens (GitHub's and idToken()'s); discovery at `${issuer}/.well-known/openid-configuration`. */
  issuer: string;
  /** ACTIONS_ID_TOKEN_REQUEST_URL for the GitHub Actions endpoint. */
  githubRequestUrl: string;
  /** An ID token from the issuer (for env-oidc / file-oidc). */
  idToken(claims: { sub: string; aud: string; ttlSeconds?: number }): string;
  /** A Google service account key file (JSON) whose token_uri is this emulator. */
  googleServiceAccountKey(email: string): string;
  /** An ADC authorized_user file (JSON) for a configured user, token_uri this emulator. */
  googleAuthorizedUser(email: string): string;
  /** Checks a token this emulator signed; used by the workspace side (./trust.ts). */
  verify(token: string): { claims: Claims } | { error: string };
  /** The Google identity an opaque Google access token stands for (undefined when unknown or expired). */
  googleAccessTokenOwner(token: string): string | undefined;
  requests(): IdentityRequest[];
  close(): Promise<void>;
}

const AZURE_ISSUER = (tenant: string) => `https://sts.windows.net/${tenant}/`;
export const GOOGLE_ISSUER = "https://accounts.google.com";
const JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";

interface Reply {
  status: number;
  body: unknown;
}

const json = (status: number, body: unknown): Reply => ({ status, body });
const same = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

function readBody(req: IncomingMessage, limit = 1 << 20): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error("body too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startIdentityEmulator(options: IdentityEmulatorOptions = {}): Promise<IdentityEmulator> {
  const key: SigningKey = newSigningKey();
  const ttl = options.tokenTtlSeconds ?? 3600;
  const saKeys = new Map<string, SigningKey>((options.google?.serviceAccounts ?? []).map((email) => [email, newSigningKey()]));
  const googleAccess = new Map<string, { email: string; expiresAt: number }>();
  const log: IdentityRequest[] = [];
  let url = "";

  const now = () => Math.floor(Date.now() / 1000);
  const sign = (claims: Record<string, unknown>) => signJwt(key, { iat: now(), nbf: now(), exp: now() + ttl, jti: randomBytes(8).toString("hex"), ...claims });

  const oauthError = (status: number, error: string, description: string): Reply => json(status, { error, error_description: description });

  function entraToken(tenant: string, clientId: string, resource: string): Reply {
    const expiresOn = now() + ttl;
    const access = sign({ iss: AZURE_ISSUER(tenant), tid: tenant, aud: resource, appid: clientId, oid: clientId, sub: clientId });
    return json(200, { token_type: "Bearer", expires_in: String(ttl), expires_on: String(expiresOn), resource, access_token: access });
  }

  function googleAccessToken(email: string): Reply {
    const token = `ya29.emu${randomBytes(24).toString("base64url")}`;
    googleAccess.set(token, { email, expiresAt: Date.now() + ttl * 1000 });
    return json(200, { access_token: token, token_type: "Bearer", expires_in: ttl });
  }

  function route(req: IncomingMessage, method: string, u: URL, raw: string): Reply {
    const path = u.pathname;
    // ---- OIDC issuer ------------------------------------------------------------------------
    if (method === "GET" && path === "/.well-known/openid-configuration") {
      return json(200, { issuer: url, jwks_uri: `${url}/jwks`, id_token_signing_alg_values_supported: ["RS256"], response_types_supported: ["id_token"], subject_types_supported: ["public"] });
    }
    if (method === "GET" && path === "/jwks") return json(200, jwks([key, ...saKeys.values()]));
    // ---- GitHub Actions ID tokens -----------------------------------------------------------
    if (method === "GET" && path === "/github/idtoken") {
      const gh = options.github;
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1];
      if (!gh || !bearer || !same(bearer, gh.requestToken)) return json(401, { message: "Bad credentials" });
      const aud = u.searchParams.get("audience") ?? "https://github.com";
      const repository = gh.repository ?? "octo-org/genie-spaces";
      return json(200, { count: 1, value: sign({ iss: url, aud, sub: gh.subject ?? `repo:${repository}:ref:refs/heads/main`, repository, ref: "refs/heads/main" }) });
    }
    // ---- Azure instance metadata service (managed identity) -------------------------------
    if (method === "GET" && path === "/metadata/identity/oauth2/token") {
      if (req.headers.metadata !== "true") return json(400, { error: "invalid_request", error_description: "Required metadata header not specified" });
      const resource = u.searchParams.get("resource");
      if (!resource) return json(400, { error: "invalid_request", error_description: "Required query variable 'resource' is missing" });
      const clientId = u.searchParams.get("client_id");
      const ids = options.managedIdentities ?? [];
      const id = clientId ? ids.find((m) => m.clientId === clientId) : ids.find((m) => m.systemAssigned);
      if (!id) return json(400, { error: "invalid_request", error_description: clientId ? `Identity not found` : "No system assigned identity is enabled on this resource" });
      return entraToken(id.tenantId, id.clientId, resource);
    }
    // ---- Google OAuth token endpoint ---------------------------------------------------------
    if (method === "POST" && path === "/google/token") {
      const form = new URLSearchParams(raw);
      const grant = form.get("grant_type");
      if (grant === JWT_BEARER) {
        const assertion = form.get("assertion") ?? "";
        const iss = (() => {
          try {
            return String(JSON.parse(Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString("utf8")).iss ?? "");
          } catch {
            return "";
          }
        })();
        const saKey = saKeys.get(iss);
        if (!saKey) return oauthError(400, "invalid_grant", "Invalid JWT Signature.");
        const checked = verifyJwt(assertion, saKey.publicKey);
        if ("error" in checked) return oauthError(400, "invalid_grant", `Invalid JWT: ${checked.error}`);
        if (checked.claims.aud !== `${url}/google/token`) return oauthError(400, "invalid_grant", "Invalid JWT: audience is not the token endpoint");
        const target = checked.claims.target_audience;
        if (typeof target === "string") return json(200, { id_token: sign({ iss: GOOGLE_ISSUER, aud: target, azp: iss, email: iss, email_verified: true, sub: iss }) });
        return googleAccessToken(iss);
      }
      if (grant === "refresh_token") {
        const user = options.google?.users?.find((x) => x.refreshToken === form.get("refresh_token"));
        if (!user || user.clientId !== form.get("client_id") || !same(user.clientSecret, form.get("client_secret") ?? "")) return oauthError(400, "invalid_grant", "Token has been expired or revoked.");
        return googleAccessToken(user.email);
      }
      return oauthError(400, "unsupported_grant_type", `Invalid grant_type: ${grant ?? ""}`);
    }
    // ---- Google IAM Credentials API ----------------------------------------------------------
    const iam = /^\/google\/iam\/v1\/projects\/-\/serviceAccounts\/([^/:]+):(generateIdToken|generateAccessToken)$/.exec(path);
    if (method === "POST" && iam) {
      const target = decodeURIComponent(iam[1]);
      const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "")?.[1] ?? "";
      const caller = googleOwner(bearer);
      if (!caller) return json(401, { error: { code: 401, message: "Request had invalid authentication credentials.", status: "UNAUTHENTICATED" } });
      if (!saKeys.has(target) || !(options.google?.impersonators?.[target] ?? []).includes(caller)) {
        return json(403, { error: { code: 403, message: `Permission 'iam.serviceAccounts.${iam[2] === "generateIdToken" ? "getOpenIdToken" : "getAccessToken"}' denied on resource (or it may not exist).`, status: "PERMISSION_DENIED" } });
      }
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(raw || "{}") as Record<string, unknown>;
      } catch {
        return json(400, { error: { code: 400, message: "Invalid JSON payload received.", status: "INVALID_ARGUMENT" } });
      }
      if (iam[2] === "generateIdToken") {
        if (typeof body.audience !== "string") return json(400, { error: { code: 400, message: "audience is required", status: "INVALID_ARGUMENT" } });
        return json(200, { token: sign({ iss: GOOGLE_ISSUER, aud: body.audience, azp: target, sub: target, ...(body.includeEmail ? { email: target, email_verified: true } : {}) }) });
      }
      const issued = googleAccessToken(target).body as { access_token: string };
      return json(200, { accessToken: issued.access_token, expireTime: new Date(Date.now() + ttl * 1000).toISOString() });
    }
    // ---- Microsoft Entra ID (v1 token endpoint, client credentials) -------------------------
    const entra = /^\/([^/]+)\/oauth2\/token$/.exec(path);
    if (method === "POST" && entra) {
      const tenant = decodeURIComponent(entra[1]);
      const form = new URLSearchParams(raw);
      const clients = (options.entra ?? []).filter((c) => c.tenantId === tenant);
      if (clients.length === 0) return oauthError(400, "invalid_request", `AADSTS90002: Tenant '${tenant}' not found. Trace ID: ${randomBytes(8).toString("hex")}`);
      if (form.get("grant_type") !== "client_credentials") return oauthError(400, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.");
      const client = clients.find((c) => c.clientId === form.get("client_id"));
      if (!client) return oauthError(400, "unauthorized_client", `AADSTS700016: Application with identifier '${form.get("client_id") ?? ""}' was not found in the directory '${tenant}'.`);
      if (!same(client.clientSecret, form.get("client_secret") ?? "")) return oauthError(401, "invalid_client", `AADSTS7000215: Invalid client secret provided for application '${client.clientId}'. Trace ID: ${randomBytes(8).toString("hex")}`);
      const resource = form.get("resource");
      if (!resource) return oauthError(400, "invalid_resource", "AADSTS500117: The resource is missing.");
      return entraToken(tenant, client.clientId, resource);
    }
    return json(404, { error: "not_found", error_description: `No identity endpoint ${method} ${path}` });
  }

  function googleOwner(token: string): string | undefined {
    const t = googleAccess.get(token);
    if (!t) return undefined;
    if (Date.now() >= t.expiresAt) {
      googleAccess.delete(token);
      return undefined;
    }
    return t.email;
  }

  const server = createServer((req, res: ServerResponse) => {
    const method = (req.method ?? "GET").toUpperCase();
    const u = new URL(req.url ?? "/", "http://127.0.0.1");
    readBody(req)
      .then((raw) => {
        const reply = route(req, method, u, raw);
        log.push({ method, path: u.pathname, status: reply.status });
        const text = JSON.stringify(reply.body);
        res.writeHead(reply.status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
      })
      .catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed: Promise<void> | undefined;

  return {
    url,
    issuer: url,
    githubRequestUrl: `${url}/github/idtoken?api-version=2.0`,
    idToken: ({ sub, aud, ttlSeconds }) => signJwt(key, { iss: url, sub, aud, iat: now(), exp: now() + (ttlSeconds ?? ttl) }),
    googleServiceAccountKey(email) {
      const sa = saKeys.get(email);
      if (!sa) throw new Error(`No Google service account ${email}; configure it in google.serviceAccounts`);
      return JSON.stringify({ type: "service_account", project_id: "emulated", private_key_id: sa.kid, private_key: sa.privatePem, client_email: email, client_id: "1" + randomBytes(8).readBigUInt64BE().toString().slice(0, 20), token_uri: `${url}/google/token` });
    },
    googleAuthorizedUser(email) {
      const user = options.google?.users?.find((x) => x.email === email);
      if (!user) throw new Error(`No Google user ${email}; configure it in google.users`);
      return JSON.stringify({ type: "authorized_user", client_id: user.clientId, client_secret: user.clientSecret, refresh_token: user.refreshToken, token_uri: `${url}/google/token` });
    },
    verify: (token) => verifyJwt(token, key.publicKey),
    googleAccessTokenOwner: googleOwner,
    requests: () => log.map((e) => ({ ...e })),
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
