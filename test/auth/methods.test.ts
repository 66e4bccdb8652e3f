/**
 * Every sign-in method, through the CLI as a process: from configuration (environment, profile) to an
 * authenticated Genie request (`pulumi-genie list`) against the emulator, with the identity emulator
 * standing in for GitHub, Entra ID, the managed-identity endpoint and Google — and, for each, the
 * message when its prerequisite is missing. Nothing leaves 127.0.0.1.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { startEmulator, startIdentityEmulator, attachIdentity, type AcceptedExternal, type EmulatorHandle, type IdentityEmulator } from "../../provider/tools/emulator";
import { FAKE_BIN, NODE_DIR, runCli, scratchHome, type CliRun } from "./cli-process";

const TENANT = "7a1c0e55-0000-4000-8000-00000000aaaa";
const RESOURCE_ID = "/subscriptions/5ub5c41p-0000/resourceGroups/rg-genie/providers/Microsoft.Databricks/workspaces/genie-ws";
const SP_CLIENT_SECRET = { clientId: "b0b0b0b0-1111-2222-3333-444444444444", clientSecret: "entra~secret+with/odd=chars&" + "9".repeat(12) };
const MSI_CLIENT = "c1c1c1c1-1111-2222-3333-555555555555";
const AZ_CLI_CLIENT = { clientId: "d2d2d2d2-1111-2222-3333-666666666666", clientSecret: "az-cli-login-secret-" + "8".repeat(12) };
const FEDERATED_SP = "e3e3e3e3-1111-2222-3333-777777777777";
const GH_REQUEST_TOKEN = "ghs_requesttoken" + "7".repeat(20);
const GH_SUBJECT = "repo:octo-org/genie-spaces:environment:prod";
const SA = "genie-deployer@emulated.iam.gserviceaccount.com";
const USER = { email: "dev@example.com", clientId: "gcloud-adc-client", clientSecret: "adc-client-secret-" + "6".repeat(10), refreshToken: "1//adc-refresh-" + "5".repeat(20) };
const M2M = { clientId: "sp-m2m", clientSecret: "m2m-secret-" + "4".repeat(20) };
const U2M_TOKEN = "u2m-cli-access-token-" + "3".repeat(20);

let emulator: EmulatorHandle;
let identity: IdentityEmulator;
let accepted: AcceptedExternal[];
let home: string;
let cleanupHome: () => void;
const SPACE_TITLE = "Sales (signed-in methods)";

beforeAll(async () => {
  identity = await startIdentityEmulator({
    github: { requestToken: GH_REQUEST_TOKEN, subject: GH_SUBJECT },
    entra: [
      { tenantId: TENANT, ...SP_CLIENT_SECRET },
      { tenantId: TENANT, ...AZ_CLI_CLIENT },
    ],
    managedIdentities: [{ clientId: MSI_CLIENT, tenantId: TENANT }],
    google: { serviceAccounts: [SA], users: [USER], impersonators: { [SA]: [USER.email] } },
  });
  emulator = await startEmulator({ tokens: [U2M_TOKEN], oauthClients: [M2M] });
  emulator.spaces.uiCreate({ title: SPACE_TITLE, warehouse_id: "wh1", serialized_space: JSON.stringify({ version: 2 }), parent_path: "/Shared" } as never);
  accepted = attachIdentity(emulator, identity, [
    {
      federation: [{ issuer: identity.issuer, subject: GH_SUBJECT, clientId: FEDERATED_SP }],
      azure: [
        { tenantId: TENANT, clientId: SP_CLIENT_SECRET.clientId, workspaceResourceId: RESOURCE_ID, requireManagementToken: true },
        { tenantId: TENANT, clientId: MSI_CLIENT, workspaceResourceId: RESOURCE_ID, requireManagementToken: true },
        { tenantId: TENANT, clientId: AZ_CLI_CLIENT.clientId, workspaceResourceId: RESOURCE_ID },
      ],
      google: [SA],
    },
  ]);
  ({ home, cleanup: cleanupHome } = scratchHome());
});

afterAll(async () => {
  await emulator.close();
  await identity.close();
  cleanupHome();
});

/** Only what a test gives: no PATH beyond node (so no real `az` or `databricks`), a scratch HOME. */
function env(extra: Record<string, string>, opts: { fakes?: boolean } = {}): Record<string, string> {
  return { PATH: opts.fakes ? `${FAKE_BIN}${path.delimiter}${NODE_DIR}` : NODE_DIR, HOME: home, ...extra };
}

async function signedIn(extra: Record<string, string>, method: string, opts: { fakes?: boolean } = {}): Promise<CliRun> {
  const [list, who] = await Promise.all([runCli(["list", "--json"], env(extra, opts)), runCli(["whoami", "--json"], env(extra, opts))]);
  expect({ code: list.code, stderr: list.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
  expect(list.stdout).toContain(SPACE_TITLE);
  expect({ code: who.code, stderr: who.stderr }).toEqual({ code: 0, stderr: "" });
  expect(JSON.parse(who.stdout)).toEqual(expect.objectContaining({ authType: method }));
  return who;
}

async function fails(extra: Record<string, string>, opts: { fakes?: boolean } = {}): Promise<string> {
  const run = await runCli(["list", "--json"], env(extra, opts));
  expect(run.code).toBe(1);
  expect(run.stdout).toBe("");
  return run.stderr;
}

describe("pat", () => {
  test("DATABRICKS_HOST + DATABRICKS_TOKEN", async () => {
    await signedIn({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token }, "pat");
  });
  test("DATABRICKS_CONFIG_PROFILE set, no config file, host and token in the environment: the environment is used, as the SDKs do", async () => {
    expect(fs.existsSync(path.join(home, ".databrickscfg"))).toBe(false);
    await signedIn({ DATABRICKS_CONFIG_PROFILE: "dev", DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: emulator.token }, "pat");
  });
  test("auth_type pat without a token says which setting to add", async () => {
    expect(await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_AUTH_TYPE: "pat" })).toMatch(
      /auth type "pat" \(from env DATABRICKS_AUTH_TYPE\) cannot be used: no token: set databricks:token \/ DATABRICKS_TOKEN \/ "token" in a profile/,
    );
  });
});

describe("oauth-m2m", () => {
  test("DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET", async () => {
    const who = await signedIn({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: M2M.clientId, DATABRICKS_CLIENT_SECRET: M2M.clientSecret }, "oauth-m2m");
    expect(JSON.parse(who.stdout).user).toBe(M2M.clientId);
  });
  test("a client id without its secret", async () => {
    expect(await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: M2M.clientId, DATABRICKS_AUTH_TYPE: "oauth-m2m" })).toMatch(
      /cannot be used: client id is set but no client secret: set databricks:clientSecret \/ DATABRICKS_CLIENT_SECRET/,
    );
  });
});

describe("databricks-cli", () => {
  const cache = (entries: Record<string, { access_token: string; expiry: string }>) => {
    fs.mkdirSync(path.join(home, ".databricks"), { recursive: true });
    fs.writeFileSync(path.join(home, ".databricks", "token-cache.json"), JSON.stringify(entries));
  };
  const inAnHour = () => new Date(Date.now() + 3600_000).toISOString();
  afterEach(() => fs.rmSync(path.join(home, ".databricks"), { recursive: true, force: true }));

  test("a host alone: the default order reaches the Databricks CLI's login (`databricks auth token --host`)", async () => {
    cache({ [emulator.url]: { access_token: U2M_TOKEN, expiry: inAnHour() } });
    const log = path.join(home, "databricks-calls.log");
    await signedIn({ DATABRICKS_HOST: emulator.url, FAKE_DATABRICKS_LOG: log }, "databricks-cli", { fakes: true });
    expect(fs.readFileSync(log, "utf8")).toContain(JSON.stringify(["auth", "token", "--host", emulator.url]));
    // whoami says which method signed in, why, and which methods came before it.
    const human = await runCli(["whoami"], env({ DATABRICKS_HOST: emulator.url }, { fakes: true }));
    expect(human.stdout).toMatch(/^auth type\s+databricks-cli\s+\(the first method that worked, in the Databricks SDKs' order\)$/m);
    expect(human.stdout).toMatch(/^skipped pat: no token: set databricks:token/m);
    expect(human.stdout).toMatch(/^skipped oauth-m2m: no client id and client secret/m);
    expect(human.stdout).not.toContain(U2M_TOKEN);
    fs.rmSync(log);
  });

  test("a profile written by `databricks auth login` (auth_type = databricks-cli) uses --profile", async () => {
    cache({ dev: { access_token: U2M_TOKEN, expiry: inAnHour() } });
    fs.writeFileSync(path.join(home, ".databrickscfg"), `[dev]\nhost = ${emulator.url}\nauth_type = databricks-cli\n`);
    const log = path.join(home, "databricks-calls.log");
    try {
      await signedIn({ DATABRICKS_CONFIG_PROFILE: "dev", FAKE_DATABRICKS_LOG: log }, "databricks-cli", { fakes: true });
      expect(fs.readFileSync(log, "utf8")).toContain(JSON.stringify(["auth", "token", "--profile", "dev"]));
    } finally {
      fs.rmSync(path.join(home, ".databrickscfg"));
      fs.rmSync(log, { force: true });
    }
  });

  test("no CLI on PATH: install it, then the exact login command", async () => {
    const err = await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_AUTH_TYPE: "databricks-cli" });
    expect(err).toContain("the Databricks CLI was not found on PATH");
    expect(err).toContain(`then run \`databricks auth login --host ${emulator.url}\``);
  });

  test("never signed in, or the login expired: the exact `databricks auth login` to run", async () => {
    const never = await fails({ DATABRICKS_HOST: emulator.url }, { fakes: true });
    expect(never).toContain(`- databricks-cli: \`databricks auth token --host ${emulator.url}\` failed: cache: databricks OAuth is not configured for this host.`);
    expect(never).toContain(`Sign in again: run \`databricks auth login --host ${emulator.url}\``);
    cache({ [emulator.url]: { access_token: U2M_TOKEN, expiry: new Date(Date.now() - 60_000).toISOString() } });
    const expired = await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_AUTH_TYPE: "databricks-cli" }, { fakes: true });
    expect(expired).toMatch(/refresh token is invalid.*run `databricks auth login --host http:\/\/127\.0\.0\.1:\d+`/);
  });
});

describe("github-oidc", () => {
  test("the Actions ID token is exchanged at /oidc/v1/token for the federated service principal", async () => {
    const who = await signedIn(
      { DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: FEDERATED_SP, ACTIONS_ID_TOKEN_REQUEST_URL: identity.githubRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: GH_REQUEST_TOKEN },
      "github-oidc",
    );
    expect(JSON.parse(who.stdout).user).toBe(FEDERATED_SP);
  });
  test("outside an Actions job with id-token permission", async () => {
    expect(await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: FEDERATED_SP, DATABRICKS_AUTH_TYPE: "github-oidc" })).toContain(
      "ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set by GitHub when the job has `permissions: id-token: write`",
    );
  });
  test("a subject no federation policy trusts: the workspace's answer and what to check", async () => {
    const other = await startIdentityEmulator({ github: { requestToken: GH_REQUEST_TOKEN, subject: "repo:someone/else:ref:refs/heads/main" } });
    try {
      const err = await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: FEDERATED_SP, DATABRICKS_AUTH_TYPE: "github-oidc", ACTIONS_ID_TOKEN_REQUEST_URL: other.githubRequestUrl, ACTIONS_ID_TOKEN_REQUEST_TOKEN: GH_REQUEST_TOKEN });
      expect(err).toMatch(/cannot exchange the github-oidc ID token .*HTTP 401 invalid_grant.*check the service principal's federation policy/);
    } finally {
      await other.close();
    }
  });
});

describe("env-oidc and file-oidc", () => {
  const idToken = () => identity.idToken({ sub: GH_SUBJECT, aud: `${emulator.url}/oidc/v1/token` });

  test("env-oidc: DATABRICKS_OIDC_TOKEN", async () => {
    await signedIn({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: FEDERATED_SP, DATABRICKS_OIDC_TOKEN: idToken() }, "env-oidc");
  });
  // oidc_token_env and databricks_id_token_filepath form their own auth groups in the SDKs, so with a
  // client id (group oauth) they need auth_type, exactly as in the Go SDK.
  test("env-oidc: the variable named by DATABRICKS_OIDC_TOKEN_ENV (with auth_type, as the SDKs need), and the message when it is empty", async () => {
    const named = { DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: FEDERATED_SP, DATABRICKS_OIDC_TOKEN_ENV: "MY_CI_ID_TOKEN" };
    expect(await fails(named)).toContain("more than one authorization method configured: env-oidc and oauth");
    await signedIn({ ...named, DATABRICKS_AUTH_TYPE: "env-oidc", MY_CI_ID_TOKEN: idToken() }, "env-oidc");
    expect(await fails({ ...named, DATABRICKS_AUTH_TYPE: "env-oidc" })).toContain(
      "cannot be used: no ID token in the environment variable MY_CI_ID_TOKEN (named by oidc_token_env, from env DATABRICKS_OIDC_TOKEN_ENV)",
    );
  });
  test("file-oidc: DATABRICKS_OIDC_TOKEN_FILEPATH, and a file that does not exist", async () => {
    const file = path.join(home, "id-token.jwt");
    fs.writeFileSync(file, idToken() + "\n");
    try {
      await signedIn({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: FEDERATED_SP, DATABRICKS_AUTH_TYPE: "file-oidc", DATABRICKS_OIDC_TOKEN_FILEPATH: file }, "file-oidc");
    } finally {
      fs.rmSync(file);
    }
    expect(await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: FEDERATED_SP, DATABRICKS_AUTH_TYPE: "file-oidc", DATABRICKS_OIDC_TOKEN_FILEPATH: file })).toContain(
      `cannot read the ID token file ${file} (from env DATABRICKS_OIDC_TOKEN_FILEPATH): it does not exist`,
    );
  });
});

describe("Azure", () => {
  const azure = { DATABRICKS_HOST: "", DATABRICKS_AZURE_RESOURCE_ID: RESOURCE_ID };
  beforeAll(() => (azure.DATABRICKS_HOST = emulator.url));

  test("azure-client-secret: ARM_CLIENT_ID / ARM_CLIENT_SECRET / ARM_TENANT_ID, with the workspace resource id and management token headers", async () => {
    accepted.length = 0;
    const who = await signedIn(
      { ...azure, ARM_CLIENT_ID: SP_CLIENT_SECRET.clientId, ARM_CLIENT_SECRET: SP_CLIENT_SECRET.clientSecret, ARM_TENANT_ID: TENANT, AZURE_AUTHORITY_HOST: identity.url },
      "azure-client-secret",
    );
    expect(JSON.parse(who.stdout).user).toBe(SP_CLIENT_SECRET.clientId);
    expect(accepted[0]).toEqual({
      workspace: "default",
      kind: "azure",
      principal: SP_CLIENT_SECRET.clientId,
      headers: expect.objectContaining({ "X-Databricks-Azure-Workspace-Resource-Id": RESOURCE_ID, "X-Databricks-Azure-SP-Management-Token": "(set)" }),
    });
  });
  test("azure-client-secret: a missing tenant, and a wrong secret (Entra ID's answer, never the secret)", async () => {
    expect(await fails({ ...azure, ARM_CLIENT_ID: SP_CLIENT_SECRET.clientId, ARM_CLIENT_SECRET: SP_CLIENT_SECRET.clientSecret, DATABRICKS_AUTH_TYPE: "azure-client-secret" })).toContain(
      'cannot be used: missing databricks:azureTenantId / ARM_TENANT_ID / "azure_tenant_id" in a profile',
    );
    const wrong = "wrong~entra+secret/" + "1".repeat(16);
    const err = await fails({ ...azure, ARM_CLIENT_ID: SP_CLIENT_SECRET.clientId, ARM_CLIENT_SECRET: wrong, ARM_TENANT_ID: TENANT, AZURE_AUTHORITY_HOST: identity.url });
    expect(err).toMatch(/HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided/);
    expect(err).not.toContain("Trace ID");
    for (const form of [wrong, encodeURIComponent(wrong)]) expect(err).not.toContain(form);
  });

  test("azure-msi: the managed identity endpoint (AZURE_POD_IDENTITY_AUTHORITY_HOST), user-assigned by ARM_CLIENT_ID", async () => {
    accepted.length = 0;
    await signedIn({ ...azure, ARM_USE_MSI: "true", ARM_CLIENT_ID: MSI_CLIENT, AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.url }, "azure-msi");
    expect(accepted[0]).toEqual(expect.objectContaining({ principal: MSI_CLIENT, headers: expect.objectContaining({ "X-Databricks-Azure-SP-Management-Token": "(set)" }) }));
  });
  test("azure-msi: not an Azure workspace, and no managed identity on the machine", async () => {
    expect(await fails({ DATABRICKS_HOST: emulator.url, ARM_USE_MSI: "true", DATABRICKS_AUTH_TYPE: "azure-msi" })).toContain("cannot be used: the host is not an Azure Databricks workspace");
    const err = await fails({ ...azure, ARM_USE_MSI: "true", AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.url });
    expect(err).toContain("azure-msi: cannot get a managed identity token for the system-assigned identity");
    expect(err).toContain("No system assigned identity is enabled on this resource");
  });

  test("azure-cli: `az account get-access-token` for the Azure Databricks resource, tenant discovered from the workspace", async () => {
    const dir = path.join(home, "azure");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "fake-az.json"), JSON.stringify({ user: { name: AZ_CLI_CLIENT.clientId, type: "servicePrincipal" }, tenantId: TENANT, authority: identity.url, ...AZ_CLI_CLIENT }));
    const log = path.join(home, "az-calls.log");
    try {
      await signedIn({ ...azure, AZURE_CONFIG_DIR: dir, FAKE_AZ_LOG: log }, "azure-cli", { fakes: true });
      const calls = fs.readFileSync(log, "utf8");
      expect(calls).toContain(JSON.stringify(["account", "get-access-token", "--resource", "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d", "--output", "json", "--tenant", TENANT]));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(log, { force: true });
    }
  });
  test("azure-cli: not installed, and not signed in (`az login --tenant …`)", async () => {
    expect(await fails({ ...azure, DATABRICKS_AUTH_TYPE: "azure-cli" })).toContain("the Azure CLI (az) was not found on PATH");
    const err = await fails({ ...azure, AZURE_CONFIG_DIR: path.join(home, "no-login") }, { fakes: true });
    expect(err).toContain(`- azure-cli: the Azure CLI is not signed in (Please run 'az login' to setup account.); run \`az login --tenant ${TENANT}\``);
  });
});

describe("Google Cloud", () => {
  test("google-credentials: a service account key in GOOGLE_CREDENTIALS", async () => {
    accepted.length = 0;
    const who = await signedIn({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLOUD: "GCP", GOOGLE_CREDENTIALS: identity.googleServiceAccountKey(SA) }, "google-credentials");
    expect(JSON.parse(who.stdout).user).toBe(SA);
    expect(accepted[0].headers["X-Databricks-GCP-SA-Access-Token"]).toBe("(set)");
  });
  test("google-credentials: a key file that does not exist", async () => {
    expect(await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLOUD: "GCP", GOOGLE_CREDENTIALS: path.join(home, "missing-key.json") })).toMatch(
      /google-credentials: cannot read the Google credentials file .*missing-key\.json \(google_credentials from env GOOGLE_CREDENTIALS\): ENOENT/,
    );
  });
  test("google-id: impersonation with Application Default Credentials (IAM Credentials generateIdToken)", async () => {
    const adc = path.join(home, "adc.json");
    fs.writeFileSync(adc, identity.googleAuthorizedUser(USER.email));
    try {
      await signedIn(
        { DATABRICKS_HOST: emulator.url, DATABRICKS_CLOUD: "GCP", DATABRICKS_GOOGLE_SERVICE_ACCOUNT: SA, GOOGLE_APPLICATION_CREDENTIALS: adc, PULUMI_GENIE_GOOGLE_IAM_ENDPOINT: `${identity.url}/google/iam` },
        "google-id",
      );
    } finally {
      fs.rmSync(adc);
    }
  });
  test("google-id: no Application Default Credentials", async () => {
    const err = await fails({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLOUD: "GCP", DATABRICKS_GOOGLE_SERVICE_ACCOUNT: SA, GCE_METADATA_HOST: "127.0.0.1:1", PULUMI_GENIE_GOOGLE_IAM_ENDPOINT: `${identity.url}/google/iam` });
    expect(err).toContain("no Application Default Credentials");
    expect(err).toContain("run `gcloud auth application-default login`");
  });
});

test("no method applies: every method is named with why, in the SDKs' order, and the next step", async () => {
  const err = await fails({ DATABRICKS_HOST: emulator.url });
  const order = ["pat", "oauth-m2m", "databricks-cli", "github-oidc", "env-oidc", "file-oidc", "azure-msi", "azure-client-secret", "azure-cli", "google-credentials", "google-id"];
  const positions = order.map((m) => err.indexOf(`  - ${m}: `));
  expect(positions.every((p) => p > 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  expect(err).toContain("docs/authentication.md");
});
