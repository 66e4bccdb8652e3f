/**
 * Getting a credential is bounded by the operation's deadline: a request whose operation has a few
 * seconds left does not wait a minute for a stuck `databricks` or `az`, and the stuck process is
 * stopped once nobody waits for it. A sign-in CLI that does not answer in time is reported as having
 * timed out — not as a failed login.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { clearTokenCache, credentialsFor, type CredentialsOptions, type ResolvedAuthConfig } from "../../provider/lib/auth";
import { GenieApiError, GenieClient } from "../../provider/lib/client";
import { FAKE_BIN, NODE_DIR, scratchHome } from "./cli-process";
import { processAlive, until } from "../fixtures/wait";

const HOST = "http://127.0.0.1:9";
let home: string;
let cleanupHome: () => void;

beforeAll(() => {
  ({ home, cleanup: cleanupHome } = scratchHome());
  fs.mkdirSync(path.join(home, ".databricks"), { recursive: true });
  fs.writeFileSync(path.join(home, ".databricks", "token-cache.json"), JSON.stringify({ [HOST]: { access_token: "u2m-never-sent-" + "4".repeat(20), expiry: new Date(Date.now() + 3600_000).toISOString() } }));
});
afterAll(() => cleanupHome());
afterEach(() => clearTokenCache());

const fakes = (extra: Record<string, string>): Record<string, string> => ({ PATH: `${FAKE_BIN}${path.delimiter}${NODE_DIR}`, HOME: home, ...extra });



test("an operation with 1.5 s left fails at its deadline while `databricks auth token` hangs, and the hung CLI is stopped", async () => {
  const pidFile = path.join(home, "hung.pid");
  const config: ResolvedAuthConfig = { host: HOST, authType: "databricks-cli", sources: {} };
  const client = new GenieClient({ host: HOST, credentials: credentialsFor(config, { env: fakes({ FAKE_DATABRICKS_DELAY_MS: "30000", FAKE_DATABRICKS_PID_FILE: pidFile }) }), operationTimeoutMs: 1500 });
  const started = Date.now();
  const err = (await client.currentUser().catch((e: unknown) => e)) as GenieApiError;
  const took = Date.now() - started;
  expect(err).toBeInstanceOf(GenieApiError);
  expect(err.kind).toBe("timeout");
  expect(err.message).toMatch(/operation deadline of 1500 ms exceeded \(getting credentials: /);
  expect(took).toBeLessThan(5_000);
  // The fake wrote its pid when it started; once nobody waits for its answer, it is killed.
  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  await until("the timed-out CLI to be gone", () => !processAlive(pid), 5_000);
  expect(processAlive(pid)).toBe(false);
}, 20_000);

test("a `databricks auth token` that does not answer in time says it timed out after N s, not that the login failed", async () => {
  const config: ResolvedAuthConfig = { host: HOST, authType: "databricks-cli", sources: {} };
  const opts = { env: fakes({ FAKE_DATABRICKS_DELAY_MS: "30000" }), toolTimeoutMs: 800 } as CredentialsOptions;
  const err = (await credentialsFor(config, opts).authorization().catch((e: unknown) => e)) as Error;
  expect(err.message).toContain(`\`databricks auth token --host ${HOST}\` timed out after 0.8 s`);
  expect(err.message).not.toMatch(/Command failed|Sign in again/);
}, 20_000);

test("azure-cli: the commands for one token share one time budget, however many the Azure CLI needs", async () => {
  const dir = path.join(home, "azure-slow");
  fs.mkdirSync(dir, { recursive: true });
  // A service principal login: a failed token call with a tenant is retried without one (two calls).
  fs.writeFileSync(path.join(dir, "fake-az.json"), JSON.stringify({ user: { name: "sp", type: "servicePrincipal" }, tenantId: "t", authority: "http://127.0.0.1:9/", clientId: "c", clientSecret: "s" }));
  const log = path.join(home, "az-slow.log");
  const config: ResolvedAuthConfig = { host: HOST, authType: "azure-cli", azureTenantId: "t", azureWorkspaceResourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Databricks/workspaces/w", sources: {} };
  const budgetMs = 3000;
  const opts = { env: fakes({ AZURE_CONFIG_DIR: dir, FAKE_AZ_DELAY_MS: "30000", FAKE_AZ_LOG: log }), toolTimeoutMs: budgetMs } as CredentialsOptions;
  const started = Date.now();
  const err = (await credentialsFor(config, opts).authorization().catch((e: unknown) => e)) as Error;
  // One budget for all the commands, not one per command (which would be two budgets here, at least).
  expect(Date.now() - started).toBeLessThan(2 * budgetMs);
  expect(err.message).toMatch(/`az account get-access-token --resource 2ff814a6-3304-4ab8-85cb-cd0e6f879c1d --tenant t` timed out after \d(\.\d)? s/);
  // Nothing was started once the budget was spent.
  expect(fs.readFileSync(log, "utf8").trim().split("\n").filter((l) => l.includes("get-access-token"))).toHaveLength(1);
}, 20_000);
