// The Google side of the GCP strategies: service account keys and Application Default Credentials,
// access tokens and ID tokens. Hand-written on node:crypto rather than google-auth-library: that
// library's service-account token endpoint is fixed to oauth2.googleapis.com (it ignores the key
// file's `token_uri`, which Google's Go and Python libraries — the ones the Databricks SDKs use —
// honor), its current major needs Node 22, and the flows needed here are three small HTTP exchanges.
import { createSign } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AuthTokenError, assertOk, cancelled, field, httpExchange, postForm } from "./http";
import { registerClientCredentials, registerSecret } from "./redact";
import type { StrategyContext } from "./strategy";
import { expiryFromExpiresIn, jwtExpiry, type Token } from "./token-cache";

export const GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token";
export const CLOUD_PLATFORM_SCOPES = ["https://www.googleapis.com/auth/cloud-platform", "https://www.googleapis.com/auth/compute"];

export interface ServiceAccountKey {
  type: "service_account";
  client_email: string;
  private_key: string;
  private_key_id?: string;
  token_uri?: string;
}

interface AuthorizedUser {
  type: "authorized_user";
  client_id: string;
  client_secret: string;
  refresh_token: string;
  token_uri?: string;
}

type GoogleCredentialsFile = ServiceAccountKey | AuthorizedUser;

/** Parses credentials JSON (google_credentials may be a path or the JSON itself), registering its secrets. */
export function parseGoogleCredentials(text: string, where: string): GoogleCredentialsFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AuthTokenError(`${where} is not valid JSON (expected a service account key or an authorized_user file)`, { retryable: false });
  }
  const c = json as Record<string, unknown>;
  if (c.type === "service_account" && typeof c.client_email === "string" && typeof c.private_key === "string") {
    registerSecret(c.private_key);
    for (const line of c.private_key.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith("-----")) registerSecret(line);
    return c as unknown as ServiceAccountKey;
  }
  if (c.type === "authorized_user" && typeof c.refresh_token === "string" && typeof c.client_id === "string" && typeof c.client_secret === "string") {
    registerSecret(c.refresh_token);
    registerClientCredentials(c.client_id, c.client_secret);
    return c as unknown as AuthorizedUser;
  }
  throw new AuthTokenError(`${where} is neither a service account key (type service_account with client_email and private_key) nor an authorized_user file`, { retryable: false });
}

/** Reads google_credentials: a file path, or the JSON itself (Go SDK readCredentials). */
export function readGoogleCredentials(value: string, source: string): GoogleCredentialsFile {
  const looksLikeJson = value.trimStart().startsWith("{");
  if (!looksLikeJson) {
    let text: string;
    try {
      text = fs.readFileSync(value, "utf8");
    } catch (e) {
      throw new AuthTokenError(`cannot read the Google credentials file ${value} (google_credentials${source}): ${(e as NodeJS.ErrnoException).code ?? "unreadable"}`, { retryable: false });
    }
    return parseGoogleCredentials(text, `the Google credentials file ${value}`);
  }
  return parseGoogleCredentials(value, `google_credentials${source}`);
}

/** A signed JWT-bearer assertion for a service account (RS256). */
function assertion(key: ServiceAccountKey, claims: Record<string, unknown>): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { alg: "RS256", typ: "JWT", ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
  const payload = { iss: key.client_email, sub: key.client_email, aud: key.token_uri ?? GOOGLE_TOKEN_URI, iat: now, exp: now + 3600, ...claims };
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const unsigned = `${enc(header)}.${enc(payload)}`;
  let signature: string;
  try {
    signature = createSign("RSA-SHA256").update(unsigned).sign(key.private_key).toString("base64url");
  } catch {
    throw new AuthTokenError(`the private key of service account ${key.client_email} cannot sign (is private_key a PEM RSA key?)`, { retryable: false });
  }
  const jwt = `${unsigned}.${signature}`;
  registerSecret(jwt);
  return jwt;
}

async function jwtBearer(key: ServiceAccountKey, claims: Record<string, unknown>, what: string, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const uri = key.token_uri ?? GOOGLE_TOKEN_URI;
  const answer = await postForm(`${what} from ${uri}`, uri, { grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion: assertion(key, claims) }, { signal });
  assertOk(`${what} from ${uri}`, answer, `check that service account ${key.client_email} and its key are valid`);
  return answer.json;
}

/** An ID token for `audience`, signed by Google for the service account. */
export async function serviceAccountIdToken(key: ServiceAccountKey, audience: string, signal?: AbortSignal): Promise<Token> {
  const what = `cannot get a Google ID token for service account ${key.client_email}`;
  const json = await jwtBearer(key, { target_audience: audience }, what, signal);
  const idToken = typeof json.id_token === "string" ? json.id_token : "";
  if (idToken === "") throw new AuthTokenError(`${what}: the response has no id_token`, { retryable: false });
  registerSecret(idToken);
  return { accessToken: idToken, expiresAt: jwtExpiry(idToken) };
}

/** An OAuth access token for the service account (scopes: cloud-platform, compute). */
export async function serviceAccountAccessToken(key: ServiceAccountKey, signal?: AbortSignal): Promise<Token> {
  const started = Date.now();
  const what = `cannot get a Google access token for service account ${key.client_email}`;
  const json = await jwtBearer(key, { scope: CLOUD_PLATFORM_SCOPES.join(" ") }, what, signal);
  const accessToken = typeof json.access_token === "string" ? json.access_token : "";
  if (accessToken === "") throw new AuthTokenError(`${what}: the response has no access_token`, { retryable: false });
  registerSecret(accessToken);
  return { accessToken, expiresAt: expiryFromExpiresIn(json.expires_in, started) };
}

/**
 * Application Default Credentials, as Google's libraries find them: GOOGLE_APPLICATION_CREDENTIALS,
 * else gcloud's application_default_credentials.json, else the metadata server (GCE_METADATA_HOST
 * overrides its address). Returns an access token of the signed-in identity.
 */
/** Where Application Default Credentials are looked for: the explicit file, gcloud's file, the metadata server. */
export function applicationDefaultLocations(ctx: StrategyContext): { explicit?: string; wellKnown: string; metadataHost: string } {
  const configDir = ctx.env.CLOUDSDK_CONFIG?.trim() || path.join(ctx.env.HOME || os.homedir(), ".config", "gcloud");
  return {
    explicit: ctx.env.GOOGLE_APPLICATION_CREDENTIALS?.trim() || undefined,
    wellKnown: path.join(configDir, "application_default_credentials.json"),
    metadataHost: ctx.env.GCE_METADATA_HOST?.trim() || "metadata.google.internal",
  };
}

export async function applicationDefaultAccessToken(ctx: StrategyContext, signal?: AbortSignal): Promise<{ token: Token; source: string }> {
  const { explicit, wellKnown, metadataHost: host } = applicationDefaultLocations(ctx);
  const file = explicit || (fs.existsSync(wellKnown) ? wellKnown : undefined);
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new AuthTokenError(`cannot read Application Default Credentials ${file}: ${(e as NodeJS.ErrnoException).code ?? "unreadable"}`, { retryable: false });
    }
    const creds = parseGoogleCredentials(text, `Application Default Credentials ${file}`);
    if (creds.type === "service_account") return { token: await serviceAccountAccessToken(creds, signal), source: file };
    const uri = creds.token_uri ?? GOOGLE_TOKEN_URI;
    const what = `cannot refresh the Application Default Credentials of ${file} at ${uri}`;
    const started = Date.now();
    const answer = await postForm(what, uri, { grant_type: "refresh_token", refresh_token: creds.refresh_token, client_id: creds.client_id, client_secret: creds.client_secret }, { signal });
    assertOk(what, answer, "run `gcloud auth application-default login`");
    const accessToken = field(what, answer, "access_token");
    registerSecret(accessToken);
    return { token: { accessToken, expiresAt: expiryFromExpiresIn(answer.json.expires_in, started) }, source: file };
  }
  const url = `http://${host}/computeMetadata/v1/instance/service-accounts/default/token`;
  const what = `no Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS is unset and ${wellKnown} does not exist) and the metadata server at ${host} did not answer; run \`gcloud auth application-default login\``;
  const started = Date.now();
  const answer = await httpExchange(what, url, { headers: { "Metadata-Flavor": "Google" }, timeoutMs: 5_000, signal }).catch((e: unknown) => {
    if (signal?.aborted) throw cancelled(signal);
    // No metadata server means not on Google Cloud: nothing to retry.
    throw new AuthTokenError(`${what} (${(e as Error).message.replace(`${what}: `, "")})`, { retryable: false });
  });
  assertOk(what, answer);
  const accessToken = field(what, answer, "access_token");
  registerSecret(accessToken);
  return { token: { accessToken, expiresAt: expiryFromExpiresIn(answer.json.expires_in, started) }, source: `metadata server ${host}` };
}

/**
 * The IAM Credentials API base: https://iamcredentials.googleapis.com, or
 * PULUMI_GENIE_GOOGLE_IAM_ENDPOINT (documented in docs/authentication.md; the emulator's tests use it).
 */
export function iamEndpoint(ctx: StrategyContext): string {
  return (ctx.env.PULUMI_GENIE_GOOGLE_IAM_ENDPOINT?.trim() || "https://iamcredentials.googleapis.com").replace(/\/+$/, "");
}

/** IAM Credentials `generateIdToken` / `generateAccessToken` for a service account, impersonated with `source`. */
export async function impersonate(
  ctx: StrategyContext,
  source: string,
  serviceAccount: string,
  kind: "generateIdToken" | "generateAccessToken",
  body: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Token> {
  const url = `${iamEndpoint(ctx)}/v1/projects/-/serviceAccounts/${encodeURIComponent(serviceAccount)}:${kind}`;
  const what = `cannot impersonate service account ${serviceAccount} (${kind}) at ${iamEndpoint(ctx)}`;
  const started = Date.now();
  const answer = await httpExchange(what, url, {
    method: "POST",
    headers: { authorization: `Bearer ${source}`, "content-type": "application/json" },
    body: JSON.stringify(body),
    signal,
  });
  assertOk(what, answer, `the signed-in identity needs roles/iam.serviceAccountTokenCreator on ${serviceAccount}`);
  if (kind === "generateIdToken") {
    const token = field(what, answer, "token");
    registerSecret(token);
    return { accessToken: token, expiresAt: jwtExpiry(token) };
  }
  const token = field(what, answer, "accessToken");
  registerSecret(token);
  const expireTime = typeof answer.json.expireTime === "string" ? Date.parse(answer.json.expireTime) : NaN;
  return { accessToken: token, expiresAt: Number.isFinite(expireTime) ? expireTime : started + 3600_000 };
}
