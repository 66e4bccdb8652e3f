// The workspace's OAuth endpoints, shared by oauth-m2m and the workload identity federation
// strategies (github-oidc, env-oidc, file-oidc).
import { assertOk, field, httpExchange, postForm } from "./http";
import { expiryFromExpiresIn, type Token } from "./token-cache";
import type { ResolvedAuthConfig } from "./config";
import { registerSecret } from "./redact";
import { bearerSource, type HeaderSource } from "./strategy";
import { identityKey, sharedTokenCache } from "./token-cache";

const tokenEndpoints = new Map<string, Promise<string>>();

/** Test hook: forget discovered endpoints. */
export function clearDiscoveryCache(): void {
  tokenEndpoints.clear();
}

/**
 * OIDC discovery: `GET {host}/oidc/.well-known/oauth-authorization-server` → token_endpoint; any failure
 * falls back to the well-known `{host}/oidc/v1/token` (docs/genie-api.md §4 step 1).
 */
export function tokenEndpointFor(host: string): Promise<string> {
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
    const res = await httpExchange("OIDC discovery", `${host}/oidc/.well-known/oauth-authorization-server`, {});
    if (res.status !== 200) return fallback;
    const endpoint = res.json.token_endpoint;
    return typeof endpoint === "string" && endpoint !== "" ? endpoint : fallback;
  } catch {
    // Do not cache a failed discovery forever: the next token request tries again.
    tokenEndpoints.delete(host);
    return fallback;
  }
}

const TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
const JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt";

/**
 * Workload identity federation (RFC 8693): exchanges an ID token from a trusted issuer for a
 * Databricks token at the workspace's token endpoint. `clientId` is the service principal's
 * application id (empty for account-wide federation policies).
 */
export async function exchangeIdToken(what: string, endpoint: string, idToken: string, clientId: string | undefined, signal?: AbortSignal): Promise<Token> {
  registerSecret(idToken);
  const started = Date.now();
  const answer = await postForm(
    what,
    endpoint,
    {
      grant_type: TOKEN_EXCHANGE,
      subject_token: idToken,
      subject_token_type: JWT_TOKEN_TYPE,
      scope: "all-apis",
      client_id: clientId,
    },
    { signal },
  );
  assertOk(what, answer, "check the service principal's federation policy: issuer, audience and subject must match the ID token");
  const accessToken = field(what, answer, "access_token");
  registerSecret(accessToken);
  return { accessToken, expiresAt: expiryFromExpiresIn(answer.json.expires_in, started) };
}

/**
 * A federated credential: `idToken(audience)` gives an ID token from a trusted issuer, exchanged at
 * the workspace's token endpoint. The audience is `audience` (DATABRICKS_TOKEN_AUDIENCE) when set,
 * else the token endpoint URL (Go SDK oidc/tokensource.go for workspace hosts). `idTokenSource`
 * names where the ID token comes from (a variable, a file, a request URL and token): part of the
 * identity the token is cached under.
 */
export async function federatedSource(
  cfg: ResolvedAuthConfig,
  name: string,
  idTokenSource: ReadonlyArray<string | undefined>,
  idToken: (audience: string, signal: AbortSignal) => Promise<string>,
  signal: AbortSignal | undefined,
): Promise<HeaderSource> {
  const host = cfg.host;
  const cache = sharedTokenCache(identityKey(name, [host, cfg.clientId, cfg.audience, ...idTokenSource]), async (s) => {
    const endpoint = await tokenEndpointFor(host);
    const token = await idToken(cfg.audience ?? endpoint, s);
    const who = cfg.clientId !== undefined ? `service principal "${cfg.clientId}"` : "account-wide federation";
    return exchangeIdToken(`cannot exchange the ${name} ID token for a Databricks token (${who}) at ${endpoint}`, endpoint, token, cfg.clientId, s);
  });
  await cache.get(signal);
  return bearerSource(cache);
}
