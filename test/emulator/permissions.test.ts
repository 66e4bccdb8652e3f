import { createBody, useEmulator, v2Example } from "./helpers";

const SPACES = "/api/2.0/genie/spaces";
const OTHER = "dapi-other-user-token";
const SP = { clientId: "sp-client", clientSecret: "sp-secret" };

describe("per-principal permissions", () => {
  const ctx = useEmulator({ tokens: [OTHER], oauthClients: [SP] });
  const create = async () => (await ctx.call("POST", SPACES, createBody())).body;
  const as = (method: string, path: string, body?: unknown) => ctx.call(method, path, body, { token: OTHER });

  test("without an entry every principal can manage the space", async () => {
    const { space_id } = await create();
    expect((await as("GET", `${SPACES}/${space_id}?include_serialized_space=true`)).body.serialized_space).toBeDefined();
    expect((await as("DELETE", `${SPACES}/${space_id}`)).status).toBe(200);
  });

  test("NONE: the space looks nonexistent (404) and is not listed", async () => {
    const { space_id } = await create();
    ctx.emu.spaces.setPermission(space_id, OTHER, "NONE");
    const get = await as("GET", `${SPACES}/${space_id}`);
    expect(get.status).toBe(404);
    expect(get.body.message).toMatch(/^Unable to get space/);
    expect((await as("PATCH", `${SPACES}/${space_id}`, { title: "x" })).status).toBe(404);
    expect((await as("GET", SPACES)).body).toEqual({});
    expect((await ctx.call("GET", SPACES)).body.spaces).toHaveLength(1);
  });

  test("CAN_READ/CAN_RUN: no serialized_space or etag, PATCH and DELETE → 403", async () => {
    const { space_id } = await create();
    for (const level of ["CAN_READ", "CAN_RUN"] as const) {
      ctx.emu.spaces.setPermission(space_id, OTHER, level);
      const get = await as("GET", `${SPACES}/${space_id}?include_serialized_space=true`);
      expect(get.status).toBe(200);
      expect(get.body).not.toHaveProperty("serialized_space");
      expect(get.body).not.toHaveProperty("etag");
      const patch = await as("PATCH", `${SPACES}/${space_id}`, { title: "x" });
      expect(patch.status).toBe(403);
      expect(patch.body.error_code).toBe("PERMISSION_DENIED");
      expect((await as("DELETE", `${SPACES}/${space_id}`)).status).toBe(403);
    }
  });

  test("CAN_EDIT may update but not trash", async () => {
    const { space_id } = await create();
    ctx.emu.spaces.setPermission(space_id, OTHER, "CAN_EDIT");
    expect((await as("PATCH", `${SPACES}/${space_id}`, { title: "x" })).status).toBe(200);
    expect((await as("DELETE", `${SPACES}/${space_id}`)).status).toBe(403);
  });

  test("OAuth tokens act as their client id", async () => {
    const { space_id } = await create();
    ctx.emu.spaces.setPermission(space_id, SP.clientId, "NONE");
    const tokenRes = await fetch(`${ctx.emu.url}/oidc/v1/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&scope=all-apis&client_id=${SP.clientId}&client_secret=${SP.clientSecret}`,
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    expect((await ctx.call("GET", `${SPACES}/${space_id}`, undefined, { token: access_token })).status).toBe(404);
  });

  test("the control endpoint sets permissions too", async () => {
    const { space_id } = await create();
    await ctx.call("POST", `/__emulator/spaces/${space_id}/permissions`, { principal: OTHER, level: "NONE" });
    expect((await as("GET", `${SPACES}/${space_id}`)).status).toBe(404);
    const bad = await ctx.call("POST", `/__emulator/spaces/${space_id}/permissions`, { principal: OTHER, level: "OWNER" });
    expect(bad.status).toBe(400);
  });
});

describe("catalog fixture", () => {
  const tables = ["retail.gold.customers", "retail.gold.orders", "retail.semantic.revenue_metrics"];
  const ctx = useEmulator({ catalog: tables });

  test("a space whose tables all exist is created", async () => {
    expect((await ctx.call("POST", SPACES, createBody())).status).toBe(200);
  });

  test("a table that does not exist → 403 PERMISSION_DENIED on create and update", async () => {
    const doc = v2Example();
    doc.data_sources.tables.push({ identifier: "retail.gold.zzz_missing" });
    const res = await ctx.call("POST", SPACES, createBody({ serialized_space: JSON.stringify(doc) }));
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe("PERMISSION_DENIED");
    expect(res.body.message).toContain("retail.gold.zzz_missing");
    const { space_id } = (await ctx.call("POST", SPACES, createBody())).body;
    expect((await ctx.call("PATCH", `${SPACES}/${space_id}`, { serialized_space: JSON.stringify(doc) })).status).toBe(403);
  });

  test("without a catalog there is no check", async () => {
    ctx.emu.setOptions({ catalog: undefined });
    const doc = v2Example();
    doc.data_sources.tables.push({ identifier: "retail.gold.zzz_missing" });
    expect((await ctx.call("POST", SPACES, createBody({ serialized_space: JSON.stringify(doc) }))).status).toBe(200);
  });
});
