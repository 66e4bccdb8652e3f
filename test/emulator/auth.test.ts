import { startEmulator } from "../../provider/tools/emulator";
import { createBody, useEmulator } from "./helpers";

const CLIENT = { clientId: "11111111-2222-3333-4444-555555555555", clientSecret: "dose-canary-secret-0001" };

async function tokenRequest(url: string, init: { basic?: [string, string]; form: Record<string, string> }) {
  const headers: Record<string, string> = { "Content-Type": "application/x-www-form-urlencoded" };
  if (init.basic) headers.Authorization = `Basic ${Buffer.from(`${init.basic[0]}:${init.basic[1]}`).toString("base64")}`;
  const res = await fetch(`${url}/oidc/v1/token`, { method: "POST", headers, body: new URLSearchParams(init.form).toString() });
  return { status: res.status, body: (await res.json()) as any };
}

describe("personal access tokens", () => {
  const ctx = useEmulator({ tokens: ["dapi-extra-token"] });

  test("the generated token looks like a PAT (dapi + 32 hex)", () => {
    expect(ctx.emu.token).toMatch(/^dapi[0-9a-f]{32}$/);
  });

  test("missing Authorization → 401", async () => {
    const res = await ctx.call("GET", "/api/2.0/genie/spaces", undefined, { token: null });
    expect(res.status).toBe(401);
    expect(res.body.error_code).toBe("UNAUTHENTICATED");
  });

  test("a wrong token → 401 and the token is not echoed", async () => {
    const res = await ctx.call("GET", "/api/2.0/genie/spaces", undefined, { token: "dapi-wrong-canary" });
    expect(res.status).toBe(401);
    expect(JSON.stringify(res.body)).not.toContain("dapi-wrong-canary");
  });

  test("extra tokens from the options are accepted", async () => {
    expect((await ctx.call("GET", "/api/2.0/genie/spaces", undefined, { token: "dapi-extra-token" })).status).toBe(200);
  });

  test("a revoked token → 401 from then on", async () => {
    expect((await ctx.call("GET", "/api/2.0/genie/spaces")).status).toBe(200);
    ctx.emu.revokeToken(ctx.emu.token);
    expect((await ctx.call("GET", "/api/2.0/genie/spaces")).status).toBe(401);
  });

  test("a fixed token can be chosen", async () => {
    const emu = await startEmulator({ token: "dapi0123456789abcdef0123456789abcdef" });
    try {
      expect(emu.token).toBe("dapi0123456789abcdef0123456789abcdef");
    } finally {
      await emu.close();
    }
  });
});

describe("OAuth M2M", () => {
  const ctx = useEmulator({ oauthClients: [CLIENT], accessTokenTtlSeconds: 1 });

  test("discovery: /.well-known/databricks-config points at /oidc, whose metadata names the token endpoint", async () => {
    const config = (await (await fetch(`${ctx.emu.url}/.well-known/databricks-config`)).json()) as any;
    expect(config.oidc_endpoint).toBe(`${ctx.emu.url}/oidc`);
    expect(config.workspace_id).toEqual(expect.any(String));
    const meta = (await (await fetch(`${config.oidc_endpoint}/.well-known/oauth-authorization-server`)).json()) as any;
    expect(meta.token_endpoint).toBe(`${ctx.emu.url}/oidc/v1/token`);
    expect(meta.authorization_endpoint).toBe(`${ctx.emu.url}/oidc/v1/authorize`);
  });

  test("client credentials via HTTP Basic → a bearer token that works on the API", async () => {
    const res = await tokenRequest(ctx.emu.url, {
      basic: [CLIENT.clientId, CLIENT.clientSecret],
      form: { grant_type: "client_credentials", scope: "all-apis" },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 1, scope: "all-apis" });
    expect((await ctx.call("POST", "/api/2.0/genie/spaces", createBody(), { token: res.body.access_token })).status).toBe(200);
  });

  test("client credentials via form fields work too", async () => {
    const res = await tokenRequest(ctx.emu.url, {
      form: { grant_type: "client_credentials", scope: "all-apis", client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret },
    });
    expect(res.status).toBe(200);
    expect((await ctx.call("GET", "/api/2.0/genie/spaces", undefined, { token: res.body.access_token })).status).toBe(200);
  });

  test("bad client credentials → 401 invalid_client", async () => {
    for (const basic of [[CLIENT.clientId, "wrong"], ["unknown", CLIENT.clientSecret]] as [string, string][]) {
      const res = await tokenRequest(ctx.emu.url, { basic, form: { grant_type: "client_credentials", scope: "all-apis" } });
      expect(res.status).toBe(401);
      expect(res.body.error).toBe("invalid_client");
    }
  });

  test("an unsupported grant type → 400 unsupported_grant_type", async () => {
    const res = await tokenRequest(ctx.emu.url, { basic: [CLIENT.clientId, CLIENT.clientSecret], form: { grant_type: "password" } });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("unsupported_grant_type");
  });

  test("issued tokens really expire", async () => {
    const res = await tokenRequest(ctx.emu.url, {
      basic: [CLIENT.clientId, CLIENT.clientSecret],
      form: { grant_type: "client_credentials", scope: "all-apis" },
    });
    const token = res.body.access_token;
    expect((await ctx.call("GET", "/api/2.0/genie/spaces", undefined, { token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await ctx.call("GET", "/api/2.0/genie/spaces", undefined, { token })).status).toBe(401);
  });

  test("the client secret never appears in the request log or the human log", async () => {
    const lines: string[] = [];
    ctx.emu.setOptions({ log: (l) => lines.push(l) });
    await tokenRequest(ctx.emu.url, {
      form: { grant_type: "client_credentials", client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret },
    });
    expect(JSON.stringify(ctx.emu.requests())).not.toContain(CLIENT.clientSecret);
    expect(lines.join("\n")).not.toContain(CLIENT.clientSecret);
    expect(lines).toEqual([expect.stringMatching(/^POST \/oidc\/v1\/token 200 \d+ms$/)]);
  });
});
