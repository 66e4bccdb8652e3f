/**
 * databricks-cli after the workspace rejects a token (revoked, or expired early): the token is asked
 * for again once, with `--force-refresh` when the installed CLI has it (v0.296.0 and later, as the
 * Go SDK decides from `databricks version`), so the CLI mints a new token instead of handing back the
 * one from its own cache. An older CLI can only hand back the same token: the error then says what
 * to run instead of failing with the workspace's bare 401.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { clearTokenCache, credentialsFor, type ResolvedAuthConfig } from "../../provider/lib/auth";
import { GenieApiError, GenieClient } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { FAKE_BIN, NODE_DIR, scratchHome } from "./cli-process";

const CACHED = "u2m-cached-" + "1".repeat(24);
const MINTED = ["u2m-minted-a-" + "2".repeat(24), "u2m-minted-b-" + "3".repeat(24)];

let emulator: EmulatorHandle;
let home: string;
let cleanupHome: () => void;
let log: string;

beforeAll(async () => {
  emulator = await startEmulator({ tokens: [CACHED, ...MINTED] });
  ({ home, cleanup: cleanupHome } = scratchHome());
  log = path.join(home, "databricks-calls.log");
});
afterAll(async () => {
  await emulator.close();
  cleanupHome();
});
beforeEach(() => {
  // The CLI's own login cache: a valid token for the host, and what a refresh would mint next.
  fs.mkdirSync(path.join(home, ".databricks"), { recursive: true });
  fs.writeFileSync(path.join(home, ".databricks", "token-cache.json"), JSON.stringify({ [emulator.url]: { access_token: CACHED, expiry: new Date(Date.now() + 3600_000).toISOString(), refresh: MINTED } }));
  fs.rmSync(log, { force: true });
});
afterEach(() => {
  clearTokenCache();
  emulator.reset();
});

function signedIn(version: string): { client: GenieClient; config: ResolvedAuthConfig; creds: ReturnType<typeof credentialsFor> } {
  const config: ResolvedAuthConfig = { host: emulator.url, authType: "databricks-cli", sources: {} };
  const env = { PATH: `${FAKE_BIN}${path.delimiter}${NODE_DIR}`, HOME: home, FAKE_DATABRICKS_LOG: log, FAKE_DATABRICKS_VERSION: version };
  const creds = credentialsFor(config, { env });
  return { client: new GenieClient({ host: emulator.url, credentials: creds, minRetryDelayMs: 1 }), config, creds };
}

const calls = (): string[][] => fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as string[]);

/** Revokes the token the client holds now, at the workspace. */
async function revokeCurrent(creds: ReturnType<typeof credentialsFor>): Promise<string> {
  const token = (await creds.authorization()).replace(/^Bearer /, "");
  emulator.revokeToken(token);
  return token;
}

test("CLI v0.296.0: a revoked token → exactly one `databricks auth token --force-refresh` → the request succeeds", async () => {
  const { client, creds } = signedIn("0.296.0");
  await client.currentUser();
  const before = calls().length;
  const revoked = await revokeCurrent(creds);
  await expect(client.currentUser()).resolves.toEqual(expect.objectContaining({ userName: expect.any(String) }));
  expect(calls().slice(before)).toEqual([["auth", "token", "--host", emulator.url, "--force-refresh"]]);
  expect(await creds.authorization()).not.toBe(`Bearer ${revoked}`);
  // The version is read once per process and CLI, not per token.
  expect(calls().filter((c) => c[0] === "version")).toHaveLength(1);
});

test("CLI v0.296.0: every token is asked for with --force-refresh (the Go SDK's rule: the SDK, not the CLI's cache, decides when a token is due)", async () => {
  const { client } = signedIn("0.301.2");
  await client.currentUser();
  expect(calls()).toEqual([["version"], ["auth", "token", "--host", emulator.url, "--force-refresh"]]);
});

test("an older CLI gets no --force-refresh; when it hands back the rejected token, the error says to sign in again or upgrade", async () => {
  const { client, creds } = signedIn("0.270.0");
  await client.currentUser();
  expect(calls().filter((c) => c.includes("--force-refresh"))).toEqual([]);
  const before = calls().length;
  await revokeCurrent(creds);
  const err = (await client.currentUser().catch((e: unknown) => e)) as GenieApiError;
  expect(err).toBeInstanceOf(GenieApiError);
  expect(calls().slice(before)).toEqual([["auth", "token", "--host", emulator.url]]);
  expect(err.message).toContain(`run \`databricks auth login --host ${emulator.url}\``);
  expect(err.message).toContain("v0.296.0");
  expect(err.message).not.toContain(CACHED);
});

test("a CLI whose version cannot be read is treated as old (no --force-refresh), as the Go SDK does", async () => {
  const { client } = signedIn("not-a-version");
  await client.currentUser();
  expect(calls()).toEqual([["version"], ["auth", "token", "--host", emulator.url]]);
});
