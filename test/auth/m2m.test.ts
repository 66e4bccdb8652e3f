import { AuthTokenError, clearTokenCache, credentialsFor, refreshMarginMs, type ResolvedAuthConfig } from "../../provider/lib/auth";
import { startScriptedServer, type Handler, type ScriptedServer } from "../client/scripted-server";

const CLIENT_ID = "11111111-2222-3333-4444-555555555555";
const SECRET = "dose-CANARY-secret-0123456789";
let server: ScriptedServer | undefined;

afterEach(async () => {
  clearTokenCache();
  await server?.close();
  server = undefined;
});

function m2m(host: string, clientSecret = SECRET): ResolvedAuthConfig {
  return { host, authType: "oauth-m2m", clientId: CLIENT_ID, clientSecret, sources: {} };
}

/** An OIDC server issuing token-1, token-2, … with the given lifetime. */
function oidc(opts: { expiresIn?: number | string; discovery?: boolean; tokenDelayMs?: number } = {}): Handler {
  let issued = 0;
  return (req) => {
    if (req.path === "/oidc/.well-known/oauth-authorization-server") {
      if (opts.discovery === false) return { status: 404, json: { error_code: "ENDPOINT_NOT_FOUND", message: "no" } };
      return { status: 200, json: { token_endpoint: `${server!.url}/custom/token`, authorization_endpoint: `${server!.url}/oidc/v1/authorize` } };
    }
    if (req.path === "/custom/token" || req.path === "/oidc/v1/token") {
      if (req.headers.authorization !== `Basic ${Buffer.from(`${CLIENT_ID}:${SECRET}`).toString("base64")}`) {
        return { status: 401, json: { error: "invalid_client", error_description: "Client authentication failed" } };
      }
      return { status: 200, delayMs: opts.tokenDelayMs, json: { access_token: `token-${++issued}`, token_type: "Bearer", expires_in: opts.expiresIn ?? 3600, scope: "all-apis" } };
    }
    return { status: 404, json: {} };
  };
}

test("discovers the token endpoint and requests a client_credentials token with Basic auth", async () => {
  server = await startScriptedServer(oidc());
  const creds = credentialsFor(m2m(server.url));
  expect(await creds.authorization()).toBe("Bearer token-1");
  expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /oidc/.well-known/oauth-authorization-server", "POST /custom/token"]);
  const tokenReq = server.requests[1];
  expect(tokenReq.headers["content-type"]).toBe("application/x-www-form-urlencoded");
  expect(Object.fromEntries(new URLSearchParams(tokenReq.body))).toEqual({ grant_type: "client_credentials", scope: "all-apis" });
});

test("falls back to /oidc/v1/token when discovery fails", async () => {
  server = await startScriptedServer(oidc({ discovery: false }));
  expect(await credentialsFor(m2m(server.url)).authorization()).toBe("Bearer token-1");
  expect(server.requests[1].path).toBe("/oidc/v1/token");
});

test("caches the token across calls and across credential objects for the same host and client", async () => {
  server = await startScriptedServer(oidc());
  const a = credentialsFor(m2m(server.url));
  const b = credentialsFor(m2m(server.url));
  expect([await a.authorization(), await a.authorization(), await b.authorization()]).toEqual(["Bearer token-1", "Bearer token-1", "Bearer token-1"]);
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("concurrent callers share one in-flight token request", async () => {
  server = await startScriptedServer(oidc({ tokenDelayMs: 50 }));
  const creds = credentialsFor(m2m(server.url));
  const headers = await Promise.all([...Array(25)].map(() => creds.authorization()));
  expect(new Set(headers)).toEqual(new Set(["Bearer token-1"]));
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("refreshes before expiry (expires_in given as a string)", async () => {
  server = await startScriptedServer(oidc({ expiresIn: "1" }));
  const creds = credentialsFor(m2m(server.url));
  expect(await creds.authorization()).toBe("Bearer token-1");
  expect(await creds.authorization()).toBe("Bearer token-1");
  // 1 s lifetime → refresh margin 100 ms: at 0.95 s the token is due for refresh.
  await new Promise((r) => setTimeout(r, 950));
  expect(await creds.authorization()).toBe("Bearer token-2");
});

test("refresh margin is 60 s for long-lived tokens and 10 % for short ones", () => {
  expect(refreshMarginMs(3_600_000)).toBe(60_000);
  expect(refreshMarginMs(10_000)).toBe(1_000);
});

test("invalidate drops the cached token so the next call fetches a new one", async () => {
  server = await startScriptedServer(oidc());
  const creds = credentialsFor(m2m(server.url));
  await creds.authorization();
  creds.invalidate();
  expect(await creds.authorization()).toBe("Bearer token-2");
});

test("bad client credentials give an error that names the client but never the secret", async () => {
  server = await startScriptedServer(oidc());
  const wrong = "dose-CANARY-wrong-secret-987654";
  const err = await credentialsFor(m2m(server.url, wrong)).authorization().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthTokenError);
  const e = err as AuthTokenError;
  expect(e.message).toContain(`cannot get an OAuth token for client "${CLIENT_ID}"`);
  expect(e.message).toContain("HTTP 401 invalid_client: Client authentication failed");
  expect(e.retryable).toBe(false);
  for (const text of [e.message, String(e), JSON.stringify(e), require("node:util").inspect(e, { depth: 10 })]) {
    expect(text).not.toContain("CANARY");
  }
  // The failed token is not cached: a later call tries again.
  await credentialsFor(m2m(server.url, wrong)).authorization().catch(() => undefined);
  expect(server.requests.filter((r) => r.method === "POST")).toHaveLength(2);
});

test("an unreachable token endpoint is a retryable error", async () => {
  const err = await credentialsFor(m2m("http://127.0.0.1:1")).authorization().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthTokenError);
  expect((err as AuthTokenError).retryable).toBe(true);
  expect((err as Error).message).not.toContain("CANARY");
});

test("PAT credentials return the token as a bearer header", async () => {
  const creds = credentialsFor({ host: "https://h", authType: "pat", token: "dapi-x", sources: {} });
  expect(await creds.authorization()).toBe("Bearer dapi-x");
});
