/** `whoami` and `profiles`: where each setting comes from, which identity it is — never a secret. */
import * as fs from "node:fs";
import * as path from "node:path";
import { clearTokenCache } from "../../provider/lib/auth";
import { closeConnectionPools } from "../../provider/lib/client";
import { startEmulator, type EmulatorHandle } from "../../provider/tools/emulator";
import { runProfiles } from "../../provider/tools/cli/profiles";
import { runWhoami, type WhoamiReport } from "../../provider/tools/cli/whoami";
import { bufferIo, isolated, removeDir, scratchDir, scratchProject } from "./helpers";

const CANARY = "dapi" + "c0ffee00".repeat(4);
const CANARY_SECRET = "dose" + "5ec7e7".repeat(6);

describe("whoami", () => {
  let emulator: EmulatorHandle;
  const dirs: string[] = [];
  beforeAll(async () => {
    emulator = await startEmulator({
      token: CANARY,
      user: "analyst@example.com",
      oauthClients: [{ clientId: "sp-ci", clientSecret: CANARY_SECRET }],
    });
  });
  afterAll(async () => {
    await emulator.close();
    await closeConnectionPools();
    clearTokenCache();
    for (const d of dirs) removeDir(d);
  });

  function project(stacks: Record<string, string>): string {
    const dir = scratchProject(stacks);
    dirs.push(dir);
    return dir;
  }

  async function whoami(opts: Parameters<typeof runWhoami>[0]) {
    const io = bufferIo();
    const code = await runWhoami({ ...opts, json: true }, io);
    expect(io.out() + io.err()).not.toContain(CANARY);
    expect(io.out() + io.err()).not.toContain(CANARY_SECRET);
    return { code, io, report: code === 0 ? (JSON.parse(io.out()) as WhoamiReport) : undefined };
  }

  test("from the environment: host, auth type, user, and each setting's source; the token only as (set)", async () => {
    const { code, report } = await whoami(isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: CANARY }));
    expect(code).toBe(0);
    expect(report!.host).toBe(emulator.url);
    expect(report!.authType).toBe("pat");
    expect(report!.user).toBe("analyst@example.com");
    expect(report!.settings.host).toEqual({ value: emulator.url, source: "env DATABRICKS_HOST" });
    expect(report!.settings.token).toEqual({ value: "(set)", source: "env DATABRICKS_TOKEN" });
  });

  test("the human output names every source and never prints the token", async () => {
    const io = bufferIo();
    expect(await runWhoami(isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: CANARY }), io)).toBe(0);
    expect(io.out()).toMatch(/^host\s+http:\/\/127\.0\.0\.1:\d+\s+\(env DATABRICKS_HOST\)$/m);
    expect(io.out()).toMatch(/^token\s+\(set\)\s+\(env DATABRICKS_TOKEN\)$/m);
    expect(io.out()).toMatch(/^user\s+analyst@example\.com/m);
    expect(io.out()).not.toContain(CANARY);
  });

  test("--stack takes databricks:host from the stack file and says so; the token still comes from the environment", async () => {
    const dir = project({ dev: `config:\n  databricks:host: ${emulator.url}\n  genie:variables:\n    catalog: dev\n` });
    const { report } = await whoami({ ...isolated({ DATABRICKS_TOKEN: CANARY }), stack: "dev", projectDir: dir });
    expect(report!.settings.host.source).toBe(`stack dev (${path.join("stacks", "Pulumi.dev.yaml")}) databricks:host`);
    expect(report!.settings.token.source).toBe("env DATABRICKS_TOKEN");
  });

  test("--host wins over the stack file and the environment", async () => {
    const dir = project({ dev: "config:\n  databricks:host: https://elsewhere.cloud.databricks.com\n" });
    const { report } = await whoami({
      ...isolated({ DATABRICKS_HOST: "https://env.cloud.databricks.com", DATABRICKS_TOKEN: CANARY }),
      stack: "dev",
      projectDir: dir,
      host: emulator.url,
    });
    expect(report!.settings.host).toEqual({ value: emulator.url, source: "--host" });
  });

  test("a Pulumi secret in the stack file is skipped with a note saying where to put the token instead", async () => {
    const dir = project({ dev: `config:\n  databricks:host: ${emulator.url}\n  databricks:token:\n    secure: AAABAKcK3vJ1\n` });
    const { report } = await whoami({ ...isolated({ DATABRICKS_TOKEN: CANARY }), stack: "dev", projectDir: dir });
    expect(report!.notes.join("\n")).toMatch(/databricks:token .* Pulumi secret .* set DATABRICKS_TOKEN/);
  });

  test("a clear-text token in the stack file works but is flagged, and is never echoed", async () => {
    const dir = project({ dev: `config:\n  databricks:host: ${emulator.url}\n  databricks:token: ${CANARY}\n` });
    const { code, report } = await whoami({ ...isolated(), stack: "dev", projectDir: dir });
    expect(code).toBe(0);
    expect(report!.notes.join("\n")).toMatch(/clear text .* pulumi config set --secret databricks:token/);
  });

  test("--profile reads ~/.databrickscfg and names the profile and file as the source", async () => {
    const home = scratchDir();
    dirs.push(home);
    fs.writeFileSync(path.join(home, ".databrickscfg"), `[dev]\nhost = ${emulator.url}\ntoken = ${CANARY}\n`);
    const { report } = await whoami({ ...isolated({}, home), profile: "dev" });
    expect(report!.profile).toBe("dev");
    expect(report!.settings.profile.source).toBe("--profile");
    expect(report!.settings.token.source).toBe(`profile [dev] in ${path.join(home, ".databrickscfg")}`);
    expect(report!.user).toBe("analyst@example.com");
  });

  test("OAuth M2M: the client id is shown, the secret only as (set); the identity is the service principal", async () => {
    const { code, report } = await whoami(
      isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_CLIENT_ID: "sp-ci", DATABRICKS_CLIENT_SECRET: CANARY_SECRET }),
    );
    expect(code).toBe(0);
    expect(report!.authType).toBe("oauth-m2m");
    expect(report!.settings.clientId).toEqual({ value: "sp-ci", source: "env DATABRICKS_CLIENT_ID" });
    expect(report!.settings.clientSecret).toEqual({ value: "(set)", source: "env DATABRICKS_CLIENT_SECRET" });
  });

  test("a token the workspace rejects: exit 1, the API's answer and the fix naming the token's source", async () => {
    const other = "dapi" + "badbad00".repeat(4);
    const io = bufferIo();
    expect(await runWhoami(isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: other }), io)).toBe(1);
    expect(io.err()).toMatch(/cannot read the current user: .*HTTP 401/);
    expect(io.err()).toMatch(/fix: .*token \(source: env DATABRICKS_TOKEN\)/);
    expect(io.err()).not.toContain(other);
  });

  test("--offline resolves settings without any request", async () => {
    emulator.clearRequests();
    const { code, report } = await whoami({ ...isolated({ DATABRICKS_HOST: emulator.url, DATABRICKS_TOKEN: CANARY }), offline: true });
    expect(code).toBe(0);
    expect(report!.user).toBeUndefined();
    expect(emulator.requests()).toHaveLength(0);
  });
});

describe("profiles", () => {
  const home = scratchDir();
  afterAll(() => removeDir(home));
  const file = path.join(home, ".databrickscfg");
  fs.writeFileSync(
    file,
    [
      "[__settings__]",
      "default_profile = dev",
      "[dev]",
      "host = https://dev.cloud.databricks.com",
      `token = ${CANARY}`,
      "[prod.eu]",
      "host = https://prod-eu.cloud.databricks.com",
      "client_id = sp-prod",
      `client_secret = ${CANARY_SECRET}`,
      "[half]",
      "host = https://half.cloud.databricks.com",
      "",
    ].join("\n"),
  );

  test("lists every profile with host, auth type, validity and the default — never a secret", async () => {
    const io = bufferIo();
    expect(await runProfiles({ env: { DATABRICKS_CONFIG_PROFILE: "prod.eu" }, homeDir: home, output: "json" }, io)).toBe(0);
    expect(io.out()).not.toContain(CANARY);
    expect(io.out()).not.toContain(CANARY_SECRET);
    const { profiles } = JSON.parse(io.out()) as { profiles: { name: string; host: string; authType: string; isDefault: boolean; selected: boolean; valid: boolean; problem?: string }[] };
    expect(profiles.map((p) => p.name)).toEqual(["dev", "prod.eu", "half"]);
    expect(profiles[0]).toEqual(expect.objectContaining({ authType: "pat", isDefault: true, valid: true }));
    expect(profiles[1]).toEqual(expect.objectContaining({ host: "https://prod-eu.cloud.databricks.com", authType: "oauth-m2m", selected: true, valid: true }));
    expect(profiles[2].valid).toBe(false);
    // A host-only profile has a host: it is the Databricks CLI's login that is missing (issue: "has no host").
    expect(profiles[2].problem).toMatch(/^host https:\/\/half\.cloud\.databricks\.com but no credentials: the Databricks CLI was not found on PATH.*`databricks auth login --profile half`/);
    expect(profiles[2].problem).not.toMatch(/no host/);
  });

  test("the table marks the default profile", async () => {
    const io = bufferIo();
    await runProfiles({ env: {}, homeDir: home }, io);
    expect(io.out()).toMatch(/^dev \(default\)\s+https:\/\/dev\.cloud\.databricks\.com\s+pat\s+yes$/m);
  });

  test("no config file: exit 1 and how to create one", async () => {
    const io = bufferIo();
    expect(await runProfiles({ env: { DATABRICKS_CONFIG_FILE: path.join(home, "missing.cfg") }, homeDir: home }, io)).toBe(1);
    expect(io.err()).toMatch(/no Databricks config file at .*missing\.cfg \(from DATABRICKS_CONFIG_FILE\)/);
  });
});
