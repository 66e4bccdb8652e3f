// Turns a resolved config into an `Authorization` header value: a PAT as-is, or an OAuth M2M
// access token obtained with the client_credentials grant (docs/genie-api.md §4).
import { request } from "undici";
import type { ResolvedAuthConfig } from "./config";
import { redactSecrets } from "./redact";

export interface Credentials {
  /** Full header value, "Bearer …". */
  authorization(): Promise<string>;
  /** Drop a cached OAuth token (called after a 401). */
  invalidate(): void;
}

/**
 * Failure to obtain an OAuth token. `retryable` is true for transient failures (connection errors,
 * 429, 5xx) — the request that needed the token was never sent, so retrying is always safe.
 */
export class AuthTokenError extends Error {
  readonly status?: number;
  readonly retryable: boolean;
  constructor(message: string, opts: { status?: number; retryable: boolean }) {
    super(message);
    this.name = "AuthTokenError";
    if (opts.status !== undefined) this.status = opts.status;
    this.retryable = opts.retryable;
  }
}

interface CachedToken {
  accessToken: string;
  /** Refresh from this instant on (expiry minus a safety margin). */
  refreshAt: number;
  obtainedAt: number;
}

interface TokenSlot {
  token?: CachedToken;
  inflight?: Promise<CachedToken>;
}

// Module-level caches so every client in the process (all resources of a `pulumi up`) shares one
// token per (host, client id) and one in-flight token request.
const tokenSlots = new Map<string, TokenSlot>();
const tokenEndpoints = new Map<string, Promise<string>>();

const TOKEN_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_EXPIRES_IN_SECONDS = 3600;

/** Test hook: forget every cached OAuth token and discovered endpoint. */
export function clearTokenCache(): void {
  tokenSlots.clear();
  tokenEndpoints.clear();
}

export function credentialsFor(config: ResolvedAuthConfig): Credentials {
  if (config.authType === "pat") {
    const header = `Bearer ${config.token ?? ""}`;
    return {
      authorization: async () => header,
      invalidate: () => undefined, // a PAT cannot be refreshed
    };
  }
  const host = config.host;
  const clientId = config.clientId ?? "";
  const clientSecret = config.clientSecret ?? "";
  const key = `${host}\u0000${clientId}`;
  const slot = (): TokenSlot => {
    let s = tokenSlots.get(key);
    if (!s) {
      s = {};
      tokenSlots.set(key, s);
    }
    return s;
  };
  return {
    async authorization() {
      const s = slot();
      if (s.token && Date.now() < s.token.refreshAt) return `Bearer ${s.token.accessToken}`;
      if (!s.inflight) {
        const inflight = fetchToken(host, clientId, clientSecret).finally(() => {
          if (s.inflight === inflight) s.inflight = undefined;
        });
        s.inflight = inflight;
        inflight.then(
          (t) => {
            s.token = t;
          },
          () => undefined,
        );
      }
      const token = await s.inflight;
      return `Bearer ${token.accessToken}`;
    },
    invalidate() {
      const s = tokenSlots.get(key);
      if (s) s.token = undefined;
    },
  };
}

/** Refresh margin: 60 s, or 10 % of the lifetime for short-lived tokens. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs * 0.1);
}

async function fetchToken(host: string, clientId: string, clientSecret: string): Promise<CachedToken> {
  const endpoint = await tokenEndpointFor(host);
  const started = Date.now();
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64");
  const what = `cannot get an OAuth token for client "${clientId}" from ${endpoint}`;
  let status: number;
  let text: string;
  try {
    const res = await request(endpoint, {
      method: "POST",
      headers: {
        authorization: `Basic ${basic}`,
        "content-type": "application/x-www-form-urlencoded",
        accept: "application/json",
      },
      body: "grant_type=client_credentials&scope=all-apis",
      headersTimeout: TOKEN_REQUEST_TIMEOUT_MS,
      bodyTimeout: TOKEN_REQUEST_TIMEOUT_MS,
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (e) {
    // Only the error's code/message are kept: undici error objects are never attached.
    const err = e as { code?: string; message?: string };
    throw new AuthTokenError(
      redactSecrets(`${what}: connection error: ${err.code ?? ""} ${err.message ?? ""}`.replace(/\s+/g, " "), [clientSecret]),
      { retryable: true },
    );
  }
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    // non-JSON body: reported below as an excerpt
  }
  if (status < 200 || status >= 300) {
    const code = typeof body.error === "string" ? body.error : typeof body.error_code === "string" ? body.error_code : undefined;
    const desc =
      typeof body.error_description === "string"
        ? body.error_description
        : typeof body.message === "string"
          ? body.message
          : text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200);
    const hint = status === 400 || status === 401 ? " (check the client id and client secret of the service principal)" : "";
    throw new AuthTokenError(
      redactSecrets(`${what}: HTTP ${status}${code ? ` ${code}` : ""}${desc ? `: ${desc}` : ""}${hint}`, [clientSecret]),
      { status, retryable: status === 429 || status >= 500 },
    );
  }
  const accessToken = body.access_token;
  if (typeof accessToken !== "string" || accessToken === "") {
    throw new AuthTokenError(`${what}: the response has no access_token`, { status, retryable: false });
  }
  // The CLI's fake OIDC server sends expires_in as a string ("3600"); real servers send a number.
  const expiresIn = Number(body.expires_in);
  const lifetimeMs = (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_EXPIRES_IN_SECONDS) * 1000;
  return { accessToken, obtainedAt: started, refreshAt: started + lifetimeMs - refreshMarginMs(lifetimeMs) };
}

/**
 * OIDC discovery: `GET {host}/oidc/.well-known/oauth-authorization-server` → token_endpoint; any failure
 * falls back to the well-known `{host}/oidc/v1/token` (docs/genie-api.md §4 step 1).
 */
function tokenEndpointFor(host: string): Promise<string> {
  let cached = tokenEndpoints.get(host);
  if (!cached) {
    cached = discoverTokenEndpoint(host);
    tokenEndpoints.set(host, cached);
  }
  return cached;
}

async function discoverTokenEndpoint(host: string): Promise<string> {
  const fallback = `${host}/oidc/v1/token`;
  try {
    const res = await request(`${host}/oidc/.well-known/oauth-authorization-server`, {
      method: "GET",
      headers: { accept: "application/json" },
      headersTimeout: TOKEN_REQUEST_TIMEOUT_MS,
      bodyTimeout: TOKEN_REQUEST_TIMEOUT_MS,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) return fallback;
    const doc = JSON.parse(text) as { token_endpoint?: unknown };
    return typeof doc.token_endpoint === "string" && doc.token_endpoint !== "" ? doc.token_endpoint : fallback;
  } catch {
    // Do not cache a failed discovery forever: the next token request tries again.
    tokenEndpoints.delete(host);
    return fallback;
  }
}
