import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AuthConfigError, AuthTokenError, credentialsFor, describeAuth, resolveAuthConfig, type ResolvedAuthConfig } from "../../provider/lib/auth";

let home: string;
beforeEach(() => {
  home = fs.mkdtempSync(path.join(os.tmpdir(), "genie-auth-"));
});
afterEach(() => fs.rmSync(home, { recursive: true, force: true }));

function writeCfg(text: string, name = ".databrickscfg"): string {
  const p = path.join(home, name);
  fs.writeFileSync(p, text);
  return p;
}

const CFG = `
[DEFAULT]
host  = https://default.cloud.databricks.com
token = dapi-default-token

[dev]
host  = dev.cloud.databricks.com/
token = dapi-dev-token

[sp-prod]
host          = https://prod.cloud.databricks.com
client_id     = 11111111-2222-3333-4444-555555555555
client_secret = dose-prod-secret

[team.eu]
host  = https://eu.cloud.databricks.com
token = dapi-eu-token
`;

const resolve = (explicit: Parameters<typeof resolveAuthConfig>[0], env: NodeJS.ProcessEnv = {}): ResolvedAuthConfig =>
  resolveAuthConfig(explicit, { env, homeDir: home });
const failure = (fn: () => unknown): AuthConfigError => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthConfigError);
    return e as AuthConfigError;
  }
  throw new Error("expected an AuthConfigError");
};

describe("precedence", () => {
  test("explicit settings win over environment variables", () => {
    const c = resolve({ host: "https://explicit.cloud.databricks.com", token: "dapi-explicit" }, { DATABRICKS_HOST: "https://env.cloud.databricks.com", DATABRICKS_TOKEN: "dapi-env" });
    expect(c).toMatchObject({ host: "https://explicit.cloud.databricks.com", token: "dapi-explicit", authType: "pat" });
    expect(c.sources).toMatchObject({ host: "explicit", token: "explicit" });
  });

  test("environment fills what explicit settings leave unset", () => {
    const c = resolve({ host: "https://explicit.cloud.databricks.com" }, { DATABRICKS_TOKEN: "dapi-env" });
    expect(c.token).toBe("dapi-env");
    expect(c.sources).toEqual({ host: "explicit", token: "env DATABRICKS_TOKEN" });
  });

  test("environment variables alone are enough", () => {
    writeCfg(CFG);
    const c = resolve({}, { DATABRICKS_HOST: "env.cloud.databricks.com", DATABRICKS_TOKEN: "dapi-env" });
    expect(c).toMatchObject({ host: "https://env.cloud.databricks.com", token: "dapi-env" });
  });

  test("with nothing else set, the [DEFAULT] profile is used", () => {
    const file = writeCfg(CFG);
    const c = resolve({});
    expect(c).toMatchObject({ host: "https://default.cloud.databricks.com", token: "dapi-default-token", profile: "DEFAULT" });
    expect(c.sources.host).toBe(`profile [DEFAULT] in ${file}`);
  });

  test("[__settings__] default_profile picks the profile when none is named", () => {
    writeCfg(`${CFG}\n[__settings__]\ndefault_profile = sp-prod\n`);
    const c = resolve({});
    expect(c).toMatchObject({ host: "https://prod.cloud.databricks.com", authType: "oauth-m2m", clientId: "11111111-2222-3333-4444-555555555555", profile: "sp-prod" });
  });

  test("DATABRICKS_CONFIG_PROFILE beats default_profile", () => {
    writeCfg(`${CFG}\n[__settings__]\ndefault_profile = sp-prod\n`);
    expect(resolve({}, { DATABRICKS_CONFIG_PROFILE: "dev" })).toMatchObject({ host: "https://dev.cloud.databricks.com", token: "dapi-dev-token" });
  });

  test("an explicit profile beats DATABRICKS_CONFIG_PROFILE", () => {
    writeCfg(CFG);
    expect(resolve({ profile: "sp-prod" }, { DATABRICKS_CONFIG_PROFILE: "dev" }).profile).toBe("sp-prod");
  });

  test("a named profile only fills attributes not already set", () => {
    writeCfg(CFG);
    const c = resolve({ profile: "dev" }, { DATABRICKS_TOKEN: "dapi-env-token" });
    expect(c).toMatchObject({ host: "https://dev.cloud.databricks.com", token: "dapi-env-token" });
    expect(c.sources.token).toBe("env DATABRICKS_TOKEN");
    expect(c.sources.host).toMatch(/^profile \[dev\] in /);
  });

  test("a profile's token is never sent to a host from elsewhere (env host + --profile of another workspace)", () => {
    writeCfg(CFG);
    let err: unknown;
    try {
      resolve({ profile: "dev" }, { DATABRICKS_HOST: "https://env.cloud.databricks.com" });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AuthConfigError);
    const message = (err as Error).message;
    expect(message).toMatch(/https:\/\/env\.cloud\.databricks\.com \(from env DATABRICKS_HOST\) is not the host of profile \[dev\] \(https:\/\/dev\.cloud\.databricks\.com\)/);
    expect(message).not.toContain("dapi-dev-token");
  });

  test("the same host written differently in env and profile is not a conflict", () => {
    writeCfg(CFG);
    const c = resolve({ profile: "dev" }, { DATABRICKS_HOST: "dev.cloud.databricks.com/" });
    expect(c).toMatchObject({ host: "https://dev.cloud.databricks.com", token: "dapi-dev-token" });
  });

  test("profile names containing dots are read as one profile", () => {
    writeCfg(CFG);
    expect(resolve({ profile: "team.eu" }).host).toBe("https://eu.cloud.databricks.com");
  });

  test("DATABRICKS_CONFIG_FILE points at another file", () => {
    const other = writeCfg("[DEFAULT]\nhost = other.cloud.databricks.com\ntoken = dapi-other\n", "other.cfg");
    writeCfg(CFG);
    const c = resolve({}, { DATABRICKS_CONFIG_FILE: other });
    expect(c).toMatchObject({ host: "https://other.cloud.databricks.com", configFile: other });
  });

  test("configFile with a ~ is expanded against the home directory", () => {
    writeCfg(CFG, "alt.cfg");
    expect(resolve({ configFile: "~/alt.cfg" }).host).toBe("https://default.cloud.databricks.com");
  });
});

describe("config file skipping and missing profiles", () => {
  test("the file is skipped when host is set and no profile is selected", async () => {
    writeCfg(CFG);
    // Without the skip rule the DEFAULT token would have been picked up. A host alone is a valid
    // configuration now (the Databricks CLI or Azure CLI may sign in for it): no method is chosen yet,
    // and the first request's error names every method tried and why the file was not read.
    const c = resolve({}, { DATABRICKS_HOST: "https://env.cloud.databricks.com" });
    expect(c.token).toBeUndefined();
    expect(c.authType).toBeUndefined();
    expect(c.fileNote).toMatch(/was not read because other settings were given/);
    const err = (await credentialsFor(c, { env: { PATH: "" } }).authorization().catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(AuthTokenError);
    expect(err.message).toMatch(/cannot sign in to https:\/\/env\.cloud\.databricks\.com: no authentication method worked/);
    for (const method of ["pat", "oauth-m2m", "databricks-cli", "github-oidc", "env-oidc", "file-oidc", "azure-msi", "azure-client-secret", "azure-cli", "google-credentials", "google-id"]) {
      expect(err.message).toContain(`  - ${method}: `);
    }
    expect(err.message).toMatch(/was not read because other settings were given/);
  });

  test("the file is skipped when only a credential is set", () => {
    writeCfg(CFG);
    expect(failure(() => resolve({ token: "dapi-x" })).message).toMatch(/host is not set/);
  });

  test("a missing explicitly named profile is an error listing the known profiles", () => {
    writeCfg(CFG);
    const err = failure(() => resolve({ profile: "nope" }));
    expect(err.message).toContain('profile "nope" not found in');
    expect(err.message).toContain("DEFAULT, dev, sp-prod, team.eu");
  });

  test("a default_profile naming a missing profile is an error", () => {
    writeCfg("[__settings__]\ndefault_profile = gone\n");
    expect(failure(() => resolve({})).message).toMatch(/profile "gone" \(named by \[__settings__\] default_profile\) not found/);
  });

  test("a missing DEFAULT profile is ignored (then nothing is configured)", () => {
    writeCfg("[dev]\nhost = dev.cloud.databricks.com\n");
    expect(failure(() => resolve({})).message).toMatch(/has no \[DEFAULT\] profile/);
  });

  // Behavior changed on purpose: like the Go and Python SDKs, a missing config file is skipped even
  // when a profile is named, so DATABRICKS_CONFIG_PROFILE + DATABRICKS_HOST/TOKEN with no file works.
  test("a named profile without a config file: the environment is used, as the SDKs do", () => {
    const c = resolve({}, { DATABRICKS_CONFIG_PROFILE: "dev", DATABRICKS_HOST: "https://env.cloud.databricks.com", DATABRICKS_TOKEN: "dapi-env" });
    expect(c).toMatchObject({ host: "https://env.cloud.databricks.com", token: "dapi-env", authType: "pat" });
    expect(c.fileNote).toMatch(/Profile "dev" was requested but the config file .* does not exist/);
  });

  test("a named profile without a config file and nothing else: the error says the profile was not found", () => {
    expect(failure(() => resolve({ profile: "dev" })).message).toMatch(/Profile "dev" was requested but the config file .* does not exist/);
  });

  test("an explicitly set config file that does not exist is skipped, and named when nothing is configured", () => {
    const missing = path.join(home, "missing.cfg");
    expect(resolve({}, { DATABRICKS_CONFIG_FILE: missing, DATABRICKS_HOST: "h.cloud.databricks.com", DATABRICKS_TOKEN: "dapi-x" }).token).toBe("dapi-x");
    expect(failure(() => resolve({}, { DATABRICKS_CONFIG_FILE: missing })).message).toMatch(/config file .*missing\.cfg \(DATABRICKS_CONFIG_FILE.*does not exist/);
  });

  test("__settings__ cannot be used as a profile", () => {
    writeCfg(CFG);
    expect(failure(() => resolve({ profile: "__settings__" })).message).toMatch(/reserved/);
  });
});

describe("auth method selection", () => {
  test("a PAT and client credentials together are an error", () => {
    const err = failure(() => resolve({ host: "h.cloud.databricks.com", token: "dapi-CANARY-two-methods", clientId: "id", clientSecret: "dose-CANARY-secret" }));
    expect(err.message).toContain("more than one authorization method configured: oauth and pat");
    expect(err.message).not.toContain("CANARY");
  });

  test("authType picks one method and drops the other's secret", () => {
    const c = resolve({ host: "h.cloud.databricks.com", token: "dapi-x", clientId: "id", clientSecret: "dose-y", authType: "oauth-m2m" });
    expect(c).toMatchObject({ authType: "oauth-m2m", clientId: "id", clientSecret: "dose-y" });
    expect(c.token).toBeUndefined();
    expect(resolve({}, { DATABRICKS_HOST: "h", DATABRICKS_TOKEN: "dapi-x", DATABRICKS_CLIENT_ID: "id", DATABRICKS_CLIENT_SECRET: "s", DATABRICKS_AUTH_TYPE: "pat" }).authType).toBe("pat");
  });

  test("an unknown auth type is rejected; one the SDKs know but pulumi-genie does not is named so", () => {
    expect(failure(() => resolve({ host: "h", token: "t" }, { DATABRICKS_AUTH_TYPE: "bogus" })).message).toMatch(/unsupported auth type "bogus" \(from env DATABRICKS_AUTH_TYPE\)/);
    expect(failure(() => resolve({ host: "h", token: "t" }, { DATABRICKS_AUTH_TYPE: "basic" })).message).toMatch(/"basic" is not supported by pulumi-genie; supported: pat, oauth-m2m, databricks-cli/);
  });

  // Behavior changed on purpose: a client id alone is a workload identity federation setting (the
  // service principal an ID token is exchanged for), so it resolves; the first request says what is missing.
  test("a client id without a secret: the first request names what is missing for oauth-m2m", async () => {
    const c = resolve({ host: "h.cloud.databricks.com", clientId: "id" });
    const err = (await credentialsFor(c, { env: {} }).authorization().catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/oauth-m2m: client id is set but no client secret: set databricks:clientSecret \/ DATABRICKS_CLIENT_SECRET/);
    const explicit = resolve({ host: "h.cloud.databricks.com", clientId: "id", authType: "oauth-m2m" });
    await expect(credentialsFor(explicit, { env: {} }).authorization()).rejects.toThrow(/auth type "oauth-m2m" \(from explicit\) cannot be used: client id is set but no client secret/);
  });

  test("nothing configured names every source checked and how to set each", () => {
    const err = failure(() => resolve({}));
    for (const needle of [
      "databricks:host",
      "databricks:token",
      "databricks:clientId",
      "DATABRICKS_HOST",
      "DATABRICKS_TOKEN",
      "DATABRICKS_CLIENT_ID",
      "DATABRICKS_CLIENT_SECRET",
      "DATABRICKS_CONFIG_PROFILE",
      "DATABRICKS_CONFIG_FILE",
      path.join(home, ".databrickscfg"),
      "default_profile",
      "does not exist",
      "pulumi config set",
    ]) {
      expect(err.message).toContain(needle);
    }
  });
});

describe("host normalization", () => {
  test.each([
    ["dbc-1.cloud.databricks.com", "https://dbc-1.cloud.databricks.com"],
    ["https://dbc-1.cloud.databricks.com/", "https://dbc-1.cloud.databricks.com"],
    ["  https://adb-1.2.azuredatabricks.net/browse/folders?o=1234567  ", "https://adb-1.2.azuredatabricks.net"],
    ["http://127.0.0.1:8080/", "http://127.0.0.1:8080"],
  ])("%s → %s", (raw, host) => {
    expect(resolve({ host: raw, token: "t" }).host).toBe(host);
  });

  test("?o= is promoted to the workspace id", () => {
    expect(resolve({ host: "https://adb-1.2.azuredatabricks.net/?o=1234567", token: "t" }).workspaceId).toBe("1234567");
  });

  test("a host with embedded credentials is rejected without echoing them", () => {
    const err = failure(() => resolve({ host: "https://user:dapi-CANARY-pw@h.com", token: "t" }));
    expect(err.message).not.toContain("CANARY");
  });
});

describe("describeAuth", () => {
  test("summarises host, method and sources without secrets", () => {
    const file = writeCfg(CFG);
    const pat = describeAuth(resolve({ profile: "dev" }));
    expect(pat).toBe(`host https://dev.cloud.databricks.com (from profile [dev] in ${file}); auth pat: personal access token (from profile [dev] in ${file}); profile dev (from explicit)`);
    const m2m = describeAuth(resolve({ profile: "sp-prod" }));
    expect(m2m).toContain("auth oauth-m2m: client id 11111111-2222-3333-4444-555555555555");
    expect(m2m).not.toContain("dose-prod-secret");
    expect(pat).not.toContain("dapi-dev-token");
  });
});
