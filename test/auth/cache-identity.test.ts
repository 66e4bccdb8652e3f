/**
 * Tokens are cached per process and per identity — and the identity is everything that decides which
 * token a method gets: a second configuration in the same process that differs in any of it (another
 * secret, key, ID-token source, config file, ADC location) gets its own token, or its own error,
 * never the first one's token. Cache keys are keyed hashes: no secret, and nothing readable, in them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generateKeyPairSync, verify } from "node:crypto";
import { AuthTokenError, clearTokenCache, credentialsFor, resolveAuthConfig, type ResolvedAuthConfig } from "../../provider/lib/auth";
import * as tokenCache from "../../provider/lib/auth/token-cache";
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from "../client/scripted-server";
import { FAKE_BIN, NODE_DIR, scratchHome } from "./cli-process";

let server: ScriptedServer | undefined;
let home: string;
let cleanupHome: () => void;

beforeAll(() => ({ home, cleanup: cleanupHome } = scratchHome()));
afterAll(() => cleanupHome());
afterEach(async () => {
  clearTokenCache();
  await server?.close();
  server = undefined;
});

const form = (req: RecordedRequest): URLSearchParams => new URLSearchParams(req.body);
const refused = (what: string) => ({ status: 401, json: { error: "invalid_client", error_description: what } });
const issued = (token: string) => ({ status: 200, json: { access_token: token, token_type: "Bearer", expires_in: 3600 } });

async function tokenOf(config: ResolvedAuthConfig, env: Record<string, string> = {}): Promise<string> {
  return (await credentialsFor(config, { env }).authorization()).replace(/^Bearer /, "");
}
async function errorOf(config: ResolvedAuthConfig, env: Record<string, string> = {}): Promise<AuthTokenError> {
  const e = await credentialsFor(config, { env }).authorization().then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AuthTokenError);
  return e as AuthTokenError;
}

test("oauth-m2m: a second configuration with the same client id but a wrong secret is refused, not handed the cached token", async () => {
  const good = "m2m-good-secret-" + "5".repeat(16);
  server = await startScriptedServer((req) => {
    if (req.path === "/oidc/v1/token") return req.headers.authorization === `Basic ${Buffer.from(`sp:${good}`).toString("base64")}` ? issued("m2m-token") : refused("Client authentication failed");
    return { status: 404, json: {} };
  });
  const config = (clientSecret: string): ResolvedAuthConfig => ({ host: server!.url, authType: "oauth-m2m", clientId: "sp", clientSecret, sources: {} });
  expect(await tokenOf(config(good))).toBe("m2m-token");
  expect((await errorOf(config("m2m-wrong-secret-" + "6".repeat(16)))).message).toContain("HTTP 401 invalid_client");
  // The good configuration still shares its one cached token.
  expect(await tokenOf(config(good))).toBe("m2m-token");
  expect(server.requests.filter((r) => r.path === "/oidc/v1/token")).toHaveLength(2);
});

test("azure-client-secret: the same client with a wrong secret is refused", async () => {
  const good = "entra-good-secret-" + "7".repeat(16);
  server = await startScriptedServer((req) => (form(req).get("client_secret") === good ? issued("entra-token") : { status: 401, json: { error: "invalid_client", error_description: "AADSTS7000215: Invalid client secret provided." } }));
  const config = (azureClientSecret: string): ResolvedAuthConfig => ({ host: server!.url, authType: "azure-client-secret", azureClientId: "sp", azureClientSecret, azureTenantId: "t", cloud: "AZURE", sources: {} });
  const env = { AZURE_AUTHORITY_HOST: server.url };
  expect(await tokenOf(config(good), env)).toBe("entra-token");
  expect((await errorOf(config("entra-wrong-secret-" + "8".repeat(16)), env)).message).toContain("AADSTS7000215");
});

/** A workspace token endpoint that exchanges any ID token for a token naming it. */
async function exchanger(extra?: (req: RecordedRequest) => { status: number; json: unknown } | undefined): Promise<ScriptedServer> {
  return startScriptedServer((req) => {
    const other = extra?.(req);
    if (other) return other;
    if (req.path === "/oidc/v1/token") return issued(`exchanged:${form(req).get("subject_token")}`);
    return { status: 404, json: {} };
  });
}

test("env-oidc: configurations reading different variables get the tokens of their own ID tokens", async () => {
  server = await exchanger();
  const config = (oidcTokenEnv: string): ResolvedAuthConfig => ({ host: server!.url, authType: "env-oidc", clientId: "sp", oidcTokenEnv, sources: {} });
  const env = { CI_TOKEN_A: "id-token-of-job-a", CI_TOKEN_B: "id-token-of-job-b" };
  expect(await tokenOf(config("CI_TOKEN_A"), env)).toBe("exchanged:id-token-of-job-a");
  expect(await tokenOf(config("CI_TOKEN_B"), env)).toBe("exchanged:id-token-of-job-b");
});

test("file-oidc: configurations reading different files get the tokens of their own ID tokens", async () => {
  server = await exchanger();
  const files = ["a", "b"].map((n) => {
    const file = path.join(home, `id-token-${n}.jwt`);
    fs.writeFileSync(file, `id-token-from-file-${n}\n`);
    return file;
  });
  const config = (file: string): ResolvedAuthConfig => ({ host: server!.url, authType: "file-oidc", clientId: "sp", databricksIdTokenFilepath: file, sources: {} });
  expect(await tokenOf(config(files[0]))).toBe("exchanged:id-token-from-file-a");
  expect(await tokenOf(config(files[1]))).toBe("exchanged:id-token-from-file-b");
});

test("github-oidc: another Actions request token is its own identity (refused here), not the cached one", async () => {
  const good = "ghs_request_token_" + "9".repeat(20);
  server = await exchanger((req) => {
    if (req.path !== "/actions/token") return undefined;
    return req.headers.authorization === `Bearer ${good}` ? { status: 200, json: { value: "actions-id-token" } } : { status: 401, json: { message: "Bad credentials" } };
  });
  const config = (token: string): ResolvedAuthConfig => ({ host: server!.url, authType: "github-oidc", clientId: "sp", actionsIdTokenRequestUrl: `${server!.url}/actions/token`, actionsIdTokenRequestToken: token, sources: {} });
  expect(await tokenOf(config(good))).toBe("exchanged:actions-id-token");
  expect((await errorOf(config("ghs_other_request_" + "0".repeat(20)))).message).toContain("Bad credentials");
});

test("databricks-cli: the same profile name in two config files (two hosts) gives each host its own login", async () => {
  const hosts = ["https://adb-1.example.com", "https://adb-2.example.com"];
  fs.mkdirSync(path.join(home, ".databricks"), { recursive: true });
  fs.writeFileSync(path.join(home, ".databricks", "token-cache.json"), JSON.stringify(Object.fromEntries(hosts.map((h, i) => [h, { access_token: `u2m-for-host-${i + 1}`, expiry: new Date(Date.now() + 3600_000).toISOString() }]))));
  const tokens: string[] = [];
  for (const [i, host] of hosts.entries()) {
    const file = path.join(home, `databrickscfg-${i + 1}`);
    fs.writeFileSync(file, `[dev]\nhost = ${host}\nauth_type = databricks-cli\n`);
    const env = { PATH: `${FAKE_BIN}${path.delimiter}${NODE_DIR}`, HOME: home, DATABRICKS_CONFIG_FILE: file, DATABRICKS_CONFIG_PROFILE: "dev" };
    tokens.push(await tokenOf(resolveAuthConfig({}, { env }), env));
  }
  expect(tokens).toEqual(["u2m-for-host-1", "u2m-for-host-2"]);
});

test("google-credentials: another key of the same service account (here one Google no longer accepts) is its own identity", async () => {
  const [valid, revoked] = [0, 1].map(() => generateKeyPairSync("rsa", { modulusLength: 2048 }));
  const email = "deployer@keys.iam.gserviceaccount.com";
  server = await startScriptedServer((req) => {
    if (req.path !== "/token") return { status: 404, json: {} };
    const [h, p, s] = (form(req).get("assertion") ?? "").split(".");
    if (!verify("RSA-SHA256", Buffer.from(`${h}.${p}`), valid.publicKey, Buffer.from(s ?? "", "base64url"))) return { status: 400, json: { error: "invalid_grant", error_description: "Invalid JWT Signature." } };
    const claims = JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as { target_audience?: string };
    if (claims.target_audience) return { status: 200, json: { id_token: ["e30", Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600 })).toString("base64url"), "c2ln"].join(".") } };
    return issued("google-access-token");
  });
  const config = (key: typeof valid): ResolvedAuthConfig => ({
    host: server!.url,
    authType: "google-credentials",
    cloud: "GCP",
    googleCredentials: JSON.stringify({ type: "service_account", client_email: email, private_key: key.privateKey.export({ type: "pkcs8", format: "pem" }).toString(), token_uri: `${server!.url}/token` }),
    sources: {},
  });
  expect(await tokenOf(config(valid))).toMatch(/^e30\./);
  expect((await errorOf(config(revoked))).message).toContain("Invalid JWT Signature");
});

test("google-id: Application Default Credentials found through another CLOUDSDK_CONFIG are another identity", async () => {
  server = await startScriptedServer((req) => {
    if (req.path === "/token") return issued(`adc-access-of-${form(req).get("refresh_token")}`);
    if (req.path.endsWith(":generateIdToken")) {
      const who = (req.headers.authorization ?? "").replace("Bearer adc-access-of-", "");
      return { status: 200, json: { token: ["e30", Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600, who })).toString("base64url"), "c2ln"].join(".") } };
    }
    if (req.path.endsWith(":generateAccessToken")) return { status: 200, json: { accessToken: "sa-access", expireTime: new Date(Date.now() + 3600_000).toISOString() } };
    return { status: 404, json: {} };
  });
  const who: string[] = [];
  for (const user of ["refresh-of-alice-" + "a".repeat(16), "refresh-of-bob-" + "b".repeat(16)]) {
    const dir = path.join(home, `gcloud-${user.slice(11, 16)}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "application_default_credentials.json"), JSON.stringify({ type: "authorized_user", client_id: "adc-client", client_secret: "adc-client-secret-" + "c".repeat(10), refresh_token: user, token_uri: `${server.url}/token` }));
    const config: ResolvedAuthConfig = { host: server.url, authType: "google-id", cloud: "GCP", googleServiceAccount: "sa@p.iam.gserviceaccount.com", sources: {} };
    const idToken = await tokenOf(config, { HOME: home, CLOUDSDK_CONFIG: dir, PULUMI_GENIE_GOOGLE_IAM_ENDPOINT: server.url });
    who.push((JSON.parse(Buffer.from(idToken.split(".")[1], "base64url").toString("utf8")) as { who: string }).who);
  }
  expect(who).toEqual(["refresh-of-alice-" + "a".repeat(16), "refresh-of-bob-" + "b".repeat(16)]);
});

test("no cache key holds a secret or any readable part of the identity", async () => {
  const secret = "m2m-key-canary-secret-" + "k".repeat(12);
  server = await startScriptedServer(() => issued("m2m-token-2"));
  await tokenOf({ host: server.url, authType: "oauth-m2m", clientId: "sp-key-canary", clientSecret: secret, sources: {} });
  const keys = (tokenCache as unknown as { tokenCacheKeys(): string[] }).tokenCacheKeys();
  expect(keys).toHaveLength(1);
  for (const part of [secret, "sp-key-canary", server.url, "127.0.0.1"]) expect(keys[0]).not.toContain(part);
});
