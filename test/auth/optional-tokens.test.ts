/**
 * The optional second token a method sends when it can — Azure's service management token
 * (X-Databricks-Azure-SP-Management-Token) and Google's service-account access token
 * (X-Databricks-GCP-SA-Access-Token) — is tried once, when the method is set up. When it cannot be
 * had, requests go without the header for the rest of the process, with one line saying so: N
 * requests cost the same few `az` runs or endpoint calls as one, not a failing attempt each.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { generateKeyPairSync } from "node:crypto";
import { clearTokenCache, credentialsFor, type CredentialsOptions, type ResolvedAuthConfig } from "../../provider/lib/auth";
import { GenieClient } from "../../provider/lib/client";
import { attachIdentity, startEmulator, startIdentityEmulator, type AcceptedExternal, type EmulatorHandle, type IdentityEmulator } from "../../provider/tools/emulator";
import { startScriptedServer, type ScriptedServer } from "../client/scripted-server";
import { FAKE_BIN, NODE_DIR, runCli, scratchHome } from "./cli-process";

const TENANT = "7a1c0e55-0000-4000-8000-00000000bbbb";
const RESOURCE_ID = "/subscriptions/5ub-optional/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/ws";
const AZ_USER = { clientId: "d2d2d2d2-1111-2222-3333-888888888888", clientSecret: "az-login-secret-" + "8".repeat(12) };
const MANAGEMENT = "https://management.core.windows.net/";
const AZURE_DATABRICKS = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";
const N = 10;

let home: string;
let cleanupHome: () => void;
let scripted: ScriptedServer | undefined;

beforeAll(() => ({ home, cleanup: cleanupHome } = scratchHome()));
afterAll(() => cleanupHome());
afterEach(async () => {
  clearTokenCache();
  await scripted?.close();
  scripted = undefined;
});

/** Options with a log sink (the default sink is stderr). */
function withLog(env: Record<string, string>, lines: string[]): CredentialsOptions {
  return { env, log: (line: string) => lines.push(line) } as CredentialsOptions;
}

async function requests(client: GenieClient, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await client.currentUser();
}

describe("azure-cli, signed in as a user who may not use the service management endpoint", () => {
  let emulator: EmulatorHandle;
  let identity: IdentityEmulator;
  let accepted: AcceptedExternal[];
  let azureDir: string;

  beforeAll(async () => {
    identity = await startIdentityEmulator({ entra: [{ tenantId: TENANT, ...AZ_USER }] });
    emulator = await startEmulator({});
    accepted = attachIdentity(emulator, identity, [{ azure: [{ tenantId: TENANT, clientId: AZ_USER.clientId, workspaceResourceId: RESOURCE_ID }] }]);
    azureDir = path.join(home, "azure-optional");
    fs.mkdirSync(azureDir, { recursive: true });
    fs.writeFileSync(
      path.join(azureDir, "fake-az.json"),
      JSON.stringify({ user: { name: "dev@example.com", type: "user" }, tenantId: TENANT, authority: identity.url, ...AZ_USER, denyResources: [MANAGEMENT] }),
    );
  });
  afterAll(async () => {
    await emulator.close();
    await identity.close();
  });

  const env = (log: string): Record<string, string> => ({ PATH: `${FAKE_BIN}${path.delimiter}${NODE_DIR}`, HOME: home, AZURE_CONFIG_DIR: azureDir, FAKE_AZ_LOG: log });
  const azRuns = (log: string): string[] => fs.readFileSync(log, "utf8").trim().split("\n");

  test(`${N} and ${2 * N} requests cost the same few \`az\` runs: the management token is asked for once`, async () => {
    const log = path.join(home, "az-optional.log");
    const lines: string[] = [];
    const config: ResolvedAuthConfig = { host: emulator.url, authType: "azure-cli", azureWorkspaceResourceId: RESOURCE_ID, azureTenantId: TENANT, sources: {} };
    const client = new GenieClient({ host: emulator.url, credentials: credentialsFor(config, withLog(env(log), lines)) });
    accepted.length = 0;
    await requests(client, N);
    const afterN = azRuns(log);
    await requests(client, N);
    const after2N = azRuns(log);
    // Set-up: `account show` + the Azure Databricks token, `account show` + the refused management token.
    expect(after2N).toEqual(afterN);
    expect(afterN.filter((a) => a.includes(MANAGEMENT))).toHaveLength(1);
    expect(afterN.length).toBeLessThanOrEqual(4);
    // Every request went out, signed in, without the management header.
    expect(accepted.length).toBeGreaterThan(0);
    expect(accepted.every((a) => a.headers["X-Databricks-Azure-SP-Management-Token"] === undefined && a.headers["X-Databricks-Azure-Workspace-Resource-Id"] === RESOURCE_ID)).toBe(true);
    // One line says so, with the Azure CLI's own reason.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("azure-cli");
    expect(lines[0]).toContain("X-Databricks-Azure-SP-Management-Token");
    expect(lines[0]).toContain("AADSTS65001");
    // A second client of the same identity in the same process does not ask again.
    const again = new GenieClient({ host: emulator.url, credentials: credentialsFor(config, withLog(env(log), lines)) });
    await requests(again, N);
    expect(azRuns(log)).toEqual(afterN);
    expect(lines).toHaveLength(1);
  });

  test("through the CLI: `pulumi-genie list` succeeds and says once, on stderr, that the header is left out", async () => {
    const log = path.join(home, "az-optional-cli.log");
    const run = await runCli(["list", "--json"], { ...env(log), DATABRICKS_HOST: emulator.url, DATABRICKS_AZURE_RESOURCE_ID: RESOURCE_ID, ARM_TENANT_ID: TENANT, DATABRICKS_AUTH_TYPE: "azure-cli" });
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const notices = run.stderr.split("\n").filter((l) => l.includes("X-Databricks-Azure-SP-Management-Token"));
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatch(/^pulumi-genie: azure-cli: /);
    expect(azRuns(log).filter((a) => a.includes(MANAGEMENT))).toHaveLength(1);
  });
});

/**
 * One loopback server playing Microsoft Entra ID, the managed-identity endpoint and a workspace that
 * accepts any bearer: tokens for the Azure Databricks resource, and a refusal for the service
 * management resource.
 */
async function azureEndpoints(): Promise<ScriptedServer> {
  let issued = 0;
  return startScriptedServer((req) => {
    const resource = req.query.get("resource") ?? new URLSearchParams(req.body).get("resource");
    if (req.path.endsWith("/oauth2/token")) {
      if (resource === AZURE_DATABRICKS) return { status: 200, json: { access_token: `azure-token-${++issued}`, token_type: "Bearer", expires_in: "3599", expires_on: String(Math.floor(Date.now() / 1000) + 3599) } };
      return { status: 400, json: { error: "invalid_resource", error_description: "AADSTS500011: The resource principal named https://management.core.windows.net/ was not found in the tenant." } };
    }
    if (req.path === "/api/2.0/preview/scim/v2/Me") return { status: 200, json: { userName: "sp", id: "1" } };
    return { status: 404, json: {} };
  });
}

const tokenCalls = (server: ScriptedServer): string[] =>
  server.requests.filter((r) => r.path.endsWith("/oauth2/token")).map((r) => r.query.get("resource") ?? new URLSearchParams(r.body).get("resource") ?? "");

test.each([
  ["azure-client-secret", (url: string): Partial<ResolvedAuthConfig> => ({ azureClientId: "sp-client", azureClientSecret: "sp-secret-" + "x".repeat(16), azureTenantId: TENANT }), (url: string) => ({ AZURE_AUTHORITY_HOST: url })],
  ["azure-msi", (): Partial<ResolvedAuthConfig> => ({ azureUseMsi: "true" }), (url: string) => ({ AZURE_POD_IDENTITY_AUTHORITY_HOST: url })],
] as const)(`%s: the management token endpoint is called once for ${2 * N} requests, and the header is left out`, async (method, settings, endpointEnv) => {
  scripted = await azureEndpoints();
  const url = scripted.url;
  const lines: string[] = [];
  const config = { host: url, authType: method, azureWorkspaceResourceId: RESOURCE_ID, ...settings(url), sources: {} } as ResolvedAuthConfig;
  const client = new GenieClient({ host: url, credentials: credentialsFor(config, withLog({ ...endpointEnv(url) }, lines)) });
  await requests(client, N);
  const afterN = tokenCalls(scripted);
  await requests(client, N);
  expect(tokenCalls(scripted)).toEqual(afterN);
  expect(afterN.filter((r) => r === MANAGEMENT)).toHaveLength(1);
  expect(afterN.filter((r) => r === AZURE_DATABRICKS)).toHaveLength(1);
  const sent = scripted.requests.filter((r) => r.path === "/api/2.0/preview/scim/v2/Me");
  expect(sent).toHaveLength(2 * N);
  expect(sent.every((r) => r.headers["x-databricks-azure-sp-management-token"] === undefined && r.headers["x-databricks-azure-workspace-resource-id"] === RESOURCE_ID)).toBe(true);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(`${method}: `);
  expect(lines[0]).toContain("AADSTS500011");
});

test(`google-credentials: the service account's access token is asked for once for ${N} requests, and its header left out`, async () => {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const email = "deployer@optional.iam.gserviceaccount.com";
  scripted = await startScriptedServer((req) => {
    if (req.path === "/token") {
      const assertion = new URLSearchParams(req.body).get("assertion") ?? "";
      const claims = JSON.parse(Buffer.from(assertion.split(".")[1] ?? "", "base64url").toString("utf8")) as { target_audience?: string };
      if (claims.target_audience) {
        const idToken = ["e30", Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + 3600, email })).toString("base64url"), "c2ln"].join(".");
        return { status: 200, json: { id_token: idToken } };
      }
      return { status: 403, json: { error: "access_denied", error_description: "Permission iam.serviceAccounts.getAccessToken denied" } };
    }
    if (req.path === "/api/2.0/preview/scim/v2/Me") return { status: 200, json: { userName: email, id: "1" } };
    return { status: 404, json: {} };
  });
  const key = JSON.stringify({ type: "service_account", client_email: email, private_key: pem, token_uri: `${scripted.url}/token` });
  const lines: string[] = [];
  const config: ResolvedAuthConfig = { host: scripted.url, authType: "google-credentials", googleCredentials: key, cloud: "GCP", sources: {} };
  const client = new GenieClient({ host: scripted.url, credentials: credentialsFor(config, withLog({}, lines)) });
  await requests(client, N);
  const tokenRequests = (): number => scripted!.requests.filter((r) => r.path === "/token").length;
  const afterN = tokenRequests();
  await requests(client, N);
  expect(tokenRequests()).toBe(afterN);
  expect(afterN).toBe(2);
  const sent = scripted.requests.filter((r) => r.path === "/api/2.0/preview/scim/v2/Me");
  expect(sent.every((r) => r.headers["x-databricks-gcp-sa-access-token"] === undefined)).toBe(true);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain("google-credentials: ");
  expect(lines[0]).toContain("X-Databricks-GCP-SA-Access-Token");
});
