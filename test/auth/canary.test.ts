/**
 * No credential of any method reaches output, state, logs or error text — in any form it is sent in —
 * even from a server that echoes back everything it receives (headers, query, body). Through the CLI
 * as a process (`whoami`, `list`) for every method, and through the real dynamic-provider host for a
 * GenieSpace create (PAT and OAuth M2M).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { GenieSpace } from "pulumi-genie";
import { startEmulator, startIdentityEmulator, type EmulatorHandle, type IdentityEmulator } from "../../provider/tools/emulator";
import { captureProgram, Engine, ProviderHost } from "../../provider/tools/harness";
import { basicForms, credentialForms, FAKE_BIN, NODE_DIR, ROOT, runCli, scratchHome } from "./cli-process";

/**
 * A "workspace", token endpoint, IdP — anything — that answers 401 with all it received: in its
 * message, in its error code and in its request-id header; or, in "html" mode, a 400 page that
 * echoes the credential after 180 characters of padding (where a 200-character excerpt cuts it).
 */
let echoMode: "json" | "html" = "json";
async function startEcho(): Promise<{ url: string; received: string[]; close: () => Promise<void> }> {
  const received: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const echo = `${req.method} ${req.url} headers=${JSON.stringify(req.headers)} body=${Buffer.concat(chunks).toString("utf8")}`;
      received.push(echo);
      const credential = String(req.headers.authorization ?? "").replace(/^\S+\s+/, "");
      if (echoMode === "html") {
        const page = `<html><body><p>${"x".repeat(180)} you sent ${credential}</p><p>${echo}</p></body></html>`;
        res.writeHead(400, { "content-type": "text/html", "x-request-id": credential.replace(/[^\x21-\x7e]/g, "_") });
        res.end(page);
        return;
      }
      const body = JSON.stringify({ error_code: `UNAUTHENTICATED ${credential}`, message: `rejected: ${echo}`, error: "invalid_client", error_description: `rejected: ${echo}` });
      res.writeHead(401, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-request-id": credential.replace(/[^\x21-\x7e]/g, "_") || "none" });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Canaries in no well-known credential shape (not dapi…, not dose…, not a JWT), so only the
// redaction registry can catch them; several carry characters that URL and form encoding change.
const CANARY = {
  token: "pat0canary0Qx7" + "k9".repeat(12),
  clientSecret: "m2m canary+secret/with=odd&chars~" + "Zz".repeat(8),
  azureSecret: "entra canary+secret/" + "Yy".repeat(10),
  actionsRequestToken: "ghaCanaryRequest" + "Ww".repeat(10),
  u2mToken: "u2mCanaryAccess" + "Vv".repeat(10),
  adcRefresh: "1//adcCanaryRefresh" + "Uu".repeat(10),
  adcClientSecret: "adcCanaryClientSecret" + "Tt".repeat(8),
};
const CLIENT_ID = "sp-canary-client";
const TENANT = "11111111-2222-3333-4444-000000000001";
const RESOURCE_ID = "/subscriptions/sub-canary/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/ws";
const MSI = "22222222-2222-3333-4444-000000000002";
const AZ_SP = { clientId: "33333333-2222-3333-4444-000000000003", clientSecret: "az-login-secret-" + "Ss".repeat(8) };
const SA = "canary-sa@emulated.iam.gserviceaccount.com";

let echo: Awaited<ReturnType<typeof startEcho>>;
let identity: IdentityEmulator;
let home: string;
let cleanupHome: () => void;
let idToken: string;
let saKey: string;

beforeAll(async () => {
  echo = await startEcho();
  identity = await startIdentityEmulator({
    managedIdentities: [{ clientId: MSI, tenantId: TENANT, systemAssigned: true }],
    entra: [{ tenantId: TENANT, ...AZ_SP }],
    google: { serviceAccounts: [SA] },
  });
  ({ home, cleanup: cleanupHome } = scratchHome());
  idToken = identity.idToken({ sub: "repo:octo/genie:ref:refs/heads/main", aud: "x" });
  saKey = identity.googleServiceAccountKey(SA).replace(/"token_uri":"[^"]+"/, `"token_uri":"${"ECHO"}/google/token"`);
});

afterAll(async () => {
  await echo.close();
  await identity.close();
  cleanupHome();
});

/** Everything secret a run was configured with or obtained, in every form. */
function forbidden(extra: string[] = []): string[] {
  const all = [...Object.values(CANARY), idToken, ...extra];
  return [...all.flatMap(credentialForms), ...basicForms(CLIENT_ID, CANARY.clientSecret), ...basicForms(AZ_SP.clientId, AZ_SP.clientSecret)];
}

function assertClean(text: string, extra: string[] = []): void {
  for (const form of forbidden(extra)) {
    if (text.includes(form)) throw new Error(`a credential form leaked: …${text.slice(Math.max(0, text.indexOf(form) - 60), text.indexOf(form) + form.length + 20)}…`);
  }
}

const cases: Array<[string, () => Record<string, string>, { fakes?: boolean; sent: () => string }]> = [
  ["pat", () => ({ DATABRICKS_HOST: echo.url, DATABRICKS_TOKEN: CANARY.token }), { sent: () => CANARY.token }],
  ["oauth-m2m", () => ({ DATABRICKS_HOST: echo.url, DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_CLIENT_SECRET: CANARY.clientSecret }), { sent: () => basicForms(CLIENT_ID, CANARY.clientSecret)[1] }],
  [
    "databricks-cli",
    () => {
      fs.mkdirSync(path.join(home, ".databricks"), { recursive: true });
      fs.writeFileSync(path.join(home, ".databricks", "token-cache.json"), JSON.stringify({ [echo.url]: { access_token: CANARY.u2mToken, expiry: new Date(Date.now() + 3600_000).toISOString() } }));
      return { DATABRICKS_HOST: echo.url };
    },
    { fakes: true, sent: () => CANARY.u2mToken },
  ],
  [
    "github-oidc",
    () => ({ DATABRICKS_HOST: echo.url, DATABRICKS_CLIENT_ID: CLIENT_ID, ACTIONS_ID_TOKEN_REQUEST_URL: `${echo.url}/idtoken?api-version=2.0`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: CANARY.actionsRequestToken }),
    { sent: () => CANARY.actionsRequestToken },
  ],
  ["env-oidc", () => ({ DATABRICKS_HOST: echo.url, DATABRICKS_CLIENT_ID: CLIENT_ID, DATABRICKS_OIDC_TOKEN: idToken }), { sent: () => encodeURIComponent(idToken) }],
  [
    "azure-client-secret",
    () => ({ DATABRICKS_HOST: echo.url, DATABRICKS_AZURE_RESOURCE_ID: RESOURCE_ID, ARM_CLIENT_ID: CLIENT_ID, ARM_CLIENT_SECRET: CANARY.azureSecret, ARM_TENANT_ID: TENANT, AZURE_AUTHORITY_HOST: echo.url }),
    { sent: () => new URLSearchParams({ v: CANARY.azureSecret }).toString().slice(2) },
  ],
  [
    "azure-msi",
    () => ({ DATABRICKS_HOST: echo.url, DATABRICKS_AZURE_RESOURCE_ID: RESOURCE_ID, ARM_USE_MSI: "true", AZURE_POD_IDENTITY_AUTHORITY_HOST: identity.url }),
    { sent: () => "Bearer eyJ" },
  ],
  [
    "azure-cli",
    () => {
      const dir = path.join(home, "azure");
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "fake-az.json"), JSON.stringify({ user: { name: AZ_SP.clientId, type: "servicePrincipal" }, tenantId: TENANT, authority: identity.url, ...AZ_SP }));
      return { DATABRICKS_HOST: echo.url, DATABRICKS_AZURE_RESOURCE_ID: RESOURCE_ID, ARM_TENANT_ID: TENANT, AZURE_CONFIG_DIR: dir, DATABRICKS_AUTH_TYPE: "azure-cli" };
    },
    { fakes: true, sent: () => "Bearer eyJ" },
  ],
  ["google-credentials", () => ({ DATABRICKS_HOST: echo.url, DATABRICKS_CLOUD: "GCP", GOOGLE_CREDENTIALS: saKey.replace("ECHO", echo.url) }), { sent: () => "assertion=" }],
  [
    "google-id",
    () => {
      const adc = path.join(home, "adc.json");
      fs.writeFileSync(adc, JSON.stringify({ type: "authorized_user", client_id: "adc-client", client_secret: CANARY.adcClientSecret, refresh_token: CANARY.adcRefresh, token_uri: `${echo.url}/token` }));
      return { DATABRICKS_HOST: echo.url, DATABRICKS_CLOUD: "GCP", DATABRICKS_GOOGLE_SERVICE_ACCOUNT: SA, GOOGLE_APPLICATION_CREDENTIALS: adc };
    },
    { sent: () => encodeURIComponent(CANARY.adcRefresh) },
  ],
];

describe("the CLI, against a server that echoes every credential back", () => {
  test.each(cases)("%s: whoami and list print no form of any credential", async (method, settings, opts) => {
    echo.received.length = 0;
    const env = { PATH: opts.fakes ? `${FAKE_BIN}${path.delimiter}${NODE_DIR}` : NODE_DIR, HOME: home, ...settings() };
    const [who, list] = await Promise.all([runCli(["whoami"], env), runCli(["list", "--json"], env)]);
    // The server did receive (and echo) the credential: the test can fail.
    expect(echo.received.join("\n")).toContain(opts.sent());
    for (const run of [who, list]) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^error: /);
      assertClean(run.stdout + run.stderr, method === "google-credentials" ? [JSON.parse(saKey).private_key] : []);
    }
    // What the user sees still says what happened.
    expect(list.stderr).toMatch(/401|rejected|invalid_client/);
  });
});

describe("the provider host, a GenieSpace create against an echoing server", () => {
  let emulator: EmulatorHandle;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => emulator.close());

  afterEach(() => {
    echoMode = "json";
  });

  test.each([
    ["pat", "json", { "databricks:token": CANARY.token }],
    ["oauth-m2m", "json", { "databricks:clientId": CLIENT_ID, "databricks:clientSecret": CANARY.clientSecret }],
    ["pat", "html", { "databricks:token": CANARY.token }],
  ] as const)("%s, echoed as %s (message, error code, request id, a long page): no credential form in step errors, state, outputs or host logs", async (_method, mode, credentials) => {
    echo.received.length = 0;
    echoMode = mode;
    const config = { "databricks:host": echo.url, ...credentials };
    const host = await ProviderHost.start({ cwd: ROOT, config, env: { DATABRICKS_CONFIG_FILE: path.join(home, "none.cfg"), HOME: home } });
    try {
      const engine = new Engine({ host });
      const { resources } = await captureProgram(
        () => {
          new GenieSpace("sales", { warehouseId: "wh1", title: "Sales", space: { data_sources: { tables: [{ identifier: "main.sales.orders" }] } } as never });
        },
        { project: "genie", stack: "dev", config },
      );
      const up = await engine.up(resources);
      expect(up.failed).toBe(1);
      const error = up.steps[0].error ?? "";
      expect(error).toMatch(mode === "html" ? /400/ : /401|rejected|invalid_client/);
      expect(echo.received.length).toBeGreaterThan(0);
      const everything = [error, JSON.stringify(up), engine.stateJson(), JSON.stringify(resources), host.stderr.join("\n")].join("\n");
      assertClean(everything);
      // Not even the first characters of one, as a cut excerpt would leave them.
      for (const canary of Object.values(CANARY)) expect(everything).not.toContain(canary.slice(0, 16));
    } finally {
      await host.close();
    }
  });
});
