/** The emulator's permissions endpoints (GET / PUT / PATCH /api/2.0/permissions/genie/{id}). */
import { ACL, DEV, directOf, uiSpace, useEmulator } from "./helpers";

const SPACES = "/api/2.0/genie/spaces";
const SP = { clientId: "0b6a6b0e-3c53-4c8e-9d53-8f9c2a1e7d11", clientSecret: "sp-secret-000000000000" };
const OTHER = "dapi-second-credential-of-dev";

describe("permissions API of the emulator", () => {
  const ctx = useEmulator({ oauthClients: [SP], tokens: [OTHER] });

  test("a new space: its creator holds a direct CAN_MANAGE, admins inherit CAN_MANAGE from the workspace root", async () => {
    const created = await ctx.call("POST", SPACES, {
      warehouse_id: "wh1",
      title: "Sales",
      serialized_space: JSON.stringify({ version: 2 }),
    });
    const id = created.body.space_id;
    const res = await ctx.call("GET", `${ACL}/${id}`);
    expect(res.status).toBe(200);
    expect(res.body.object_id).toBe(`/genie/${id}`);
    expect(res.body.object_type).toBe("genie");
    expect(res.body.access_control_list).toEqual([
      { user_name: DEV, display_name: "Dev", all_permissions: [{ permission_level: "CAN_MANAGE", inherited: false }] },
      { group_name: "admins", all_permissions: [{ permission_level: "CAN_MANAGE", inherited: true, inherited_from_object: ["/directories/"] }] },
    ]);
  });

  test("PUT replaces every direct grant; inherited grants stay", async () => {
    const id = uiSpace(ctx.emu);
    const res = await ctx.call("PUT", `${ACL}/${id}`, {
      access_control_list: [
        { group_name: "analysts", permission_level: "CAN_RUN" },
        { user_name: DEV, permission_level: "CAN_MANAGE" },
      ],
    });
    expect(res.status).toBe(200);
    expect(directOf(ctx.emu, id)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
    await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [{ user_name: DEV, permission_level: "CAN_MANAGE" }] });
    expect(directOf(ctx.emu, id)).toEqual([`userName:${DEV}=CAN_MANAGE`]);
    const groups = (await ctx.call("GET", `${ACL}/${id}`)).body.access_control_list.map((e: any) => e.group_name).filter(Boolean);
    expect(groups).toEqual(["admins"]);
  });

  test("PATCH adds grants and changes levels; other grants stay", async () => {
    const id = uiSpace(ctx.emu);
    await ctx.call("PATCH", `${ACL}/${id}`, { access_control_list: [{ group_name: "analysts", permission_level: "CAN_RUN" }] });
    const res = await ctx.call("PATCH", `${ACL}/${id}`, {
      access_control_list: [
        { group_name: "analysts", permission_level: "CAN_EDIT" },
        { service_principal_name: SP.clientId, permission_level: "CAN_READ" },
      ],
    });
    expect(res.status).toBe(200);
    expect(directOf(ctx.emu, id)).toEqual([
      `userName:${DEV}=CAN_MANAGE`,
      "groupName:analysts=CAN_EDIT",
      `servicePrincipalName:${SP.clientId}=CAN_READ`,
    ]);
    const sp = res.body.access_control_list.find((e: any) => e.service_principal_name === SP.clientId);
    expect(sp.all_permissions).toEqual([{ permission_level: "CAN_READ", inherited: false }]);
  });

  test("an unknown level → 400 INVALID_PARAMETER_VALUE naming the supported levels, and nothing changes", async () => {
    const id = uiSpace(ctx.emu);
    const res = await ctx.call("PUT", `${ACL}/${id}`, {
      access_control_list: [
        { group_name: "analysts", permission_level: "CAN_RUN" },
        { user_name: DEV, permission_level: "CAN_FOO" },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.body.error_code).toBe("INVALID_PARAMETER_VALUE");
    expect(res.body.message).toBe("Permission level CAN_FOO is not supported for genie objects. Supported levels: CAN_READ, CAN_RUN, CAN_EDIT, CAN_MANAGE");
    expect(directOf(ctx.emu, id)).toEqual([`userName:${DEV}=CAN_MANAGE`]);
  });

  test.each([
    [{ user_name: "bob@example.com" }, "Principal: UserName(bob@example.com) does not exist"],
    [{ group_name: "finance" }, "Principal: GroupName(finance) does not exist"],
    [{ service_principal_name: "no-such-app" }, "Principal: ServicePrincipalName(no-such-app) does not exist"],
  ])("an unknown principal %j → 400 with the API's message", async (principal, message) => {
    const id = uiSpace(ctx.emu);
    const res = await ctx.call("PATCH", `${ACL}/${id}`, { access_control_list: [{ ...principal, permission_level: "CAN_RUN" }] });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error_code: "INVALID_PARAMETER_VALUE", message });
  });

  test("an entry naming two principals, or none, or no level → 400", async () => {
    const id = uiSpace(ctx.emu);
    const two = await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [{ user_name: DEV, group_name: "analysts", permission_level: "CAN_RUN" }] });
    expect(two.status).toBe(400);
    const none = await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [{ permission_level: "CAN_RUN" }] });
    expect(none.status).toBe(400);
    const noLevel = await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [{ group_name: "analysts" }] });
    expect(noLevel.body.message).toBe("Missing required field: permission_level");
  });

  test("unknown and trashed spaces → 404 RESOURCE_DOES_NOT_EXIST", async () => {
    const missing = await ctx.call("GET", `${ACL}/${"f".repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.error_code).toBe("RESOURCE_DOES_NOT_EXIST");
    const id = uiSpace(ctx.emu);
    ctx.emu.spaces.trash(id);
    expect((await ctx.call("GET", `${ACL}/${id}`)).status).toBe(404);
    expect((await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [] })).status).toBe(404);
  });

  test("a caller below CAN_MANAGE → 403 PERMISSION_DENIED (e.g. after a PUT that dropped its own grant)", async () => {
    const id = uiSpace(ctx.emu);
    const put = await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [{ group_name: "analysts", permission_level: "CAN_MANAGE" }] });
    expect(put.status).toBe(200);
    const res = await ctx.call("GET", `${ACL}/${id}`);
    expect(res.status).toBe(403);
    expect(res.body.error_code).toBe("PERMISSION_DENIED");
    // An admin restores it in the UI: access is back.
    ctx.emu.permissions.uiGrant(id, { userName: DEV }, "CAN_MANAGE");
    expect((await ctx.call("GET", `${ACL}/${id}`)).status).toBe(200);
  });

  test("the per-token model agrees: a credential set to CAN_EDIT gets 403 here, NONE gets 404", async () => {
    const id = uiSpace(ctx.emu);
    ctx.emu.spaces.setPermission(id, OTHER, "CAN_EDIT");
    expect((await ctx.call("GET", `${ACL}/${id}`, undefined, OTHER)).status).toBe(403);
    ctx.emu.spaces.setPermission(id, OTHER, "NONE");
    expect((await ctx.call("GET", `${ACL}/${id}`, undefined, OTHER)).status).toBe(404);
    // The emulator's own token is untouched.
    expect((await ctx.call("GET", `${ACL}/${id}`)).status).toBe(200);
  });

  test("folder grants are inherited by the spaces below, with the folder as inherited_from_object", async () => {
    ctx.emu.folders.add("/Shared/sales");
    const id = uiSpace(ctx.emu, "Sales", "/Shared/sales");
    ctx.emu.permissions.setFolderGrant("/Workspace/Shared", { groupName: "data-engineers" }, "CAN_EDIT");
    const entry = (await ctx.call("GET", `${ACL}/${id}`)).body.access_control_list.find((e: any) => e.group_name === "data-engineers");
    expect(entry.all_permissions).toHaveLength(1);
    expect(entry.all_permissions[0]).toMatchObject({ permission_level: "CAN_EDIT", inherited: true });
    expect(entry.all_permissions[0].inherited_from_object[0]).toMatch(/^\/directories\/\d+$/);
    // Inherited grants are not direct: a PUT cannot remove them.
    await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [{ user_name: DEV, permission_level: "CAN_MANAGE" }] });
    const after = (await ctx.call("GET", `${ACL}/${id}`)).body.access_control_list.find((e: any) => e.group_name === "data-engineers");
    expect(after.all_permissions[0].inherited).toBe(true);
  });

  test("an inherited CAN_MANAGE through a group keeps a caller in control without a direct grant", async () => {
    ctx.emu.permissions.addGroup("genie-owners", [DEV]);
    const id = uiSpace(ctx.emu);
    ctx.emu.permissions.setFolderGrant(`/Users/${DEV}`, { groupName: "genie-owners" }, "CAN_MANAGE");
    await ctx.call("PUT", `${ACL}/${id}`, { access_control_list: [] });
    expect(directOf(ctx.emu, id)).toEqual([]);
    expect((await ctx.call("GET", `${ACL}/${id}`)).status).toBe(200);
  });

  test("UI grants and revokes show up in GET", async () => {
    const id = uiSpace(ctx.emu);
    ctx.emu.permissions.uiGrant(id, { userName: "alice@example.com" }, "CAN_EDIT");
    let list = (await ctx.call("GET", `${ACL}/${id}`)).body.access_control_list;
    expect(list.find((e: any) => e.user_name === "alice@example.com")).toMatchObject({ display_name: "Alice" });
    ctx.emu.permissions.uiRevoke(id, { userName: "alice@example.com" });
    list = (await ctx.call("GET", `${ACL}/${id}`)).body.access_control_list;
    expect(list.find((e: any) => e.user_name === "alice@example.com")).toBeUndefined();
    expect(() => ctx.emu.permissions.uiGrant(id, { userName: "nobody@example.com" }, "CAN_RUN")).toThrow(/UserName\(nobody@example.com\) does not exist/);
  });

  test("OAuth M2M: the service principal is the creator and is who SCIM /Me names", async () => {
    const tokenRes = await fetch(`${ctx.emu.url}/oidc/v1/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `grant_type=client_credentials&scope=all-apis&client_id=${SP.clientId}&client_secret=${SP.clientSecret}`,
    });
    const { access_token } = (await tokenRes.json()) as { access_token: string };
    const me = await ctx.call("GET", "/api/2.0/preview/scim/v2/Me", undefined, access_token);
    expect(me.body).toMatchObject({ userName: SP.clientId, applicationId: SP.clientId });
    const created = await ctx.call("POST", SPACES, { warehouse_id: "wh1", title: "CI", serialized_space: JSON.stringify({ version: 2 }) }, access_token);
    expect(directOf(ctx.emu, created.body.space_id)).toEqual([`servicePrincipalName:${SP.clientId}=CAN_MANAGE`]);
    // The PAT user has no grant on it: 403 on the permissions endpoint.
    expect((await ctx.call("GET", `${ACL}/${created.body.space_id}`)).status).toBe(403);
  });
});

describe("control endpoints for an emulator in another process", () => {
  const ctx = useEmulator();

  test("ui-grant, ui-revoke, folder grants and principals over /__emulator", async () => {
    const id = uiSpace(ctx.emu);
    const added = await ctx.call("POST", "/__emulator/principals", { groups: { finance: ["frank@example.com"] } });
    expect(added.status).toBe(200);
    const granted = await ctx.call("POST", `/__emulator/acl/${id}/ui-grant`, { principal: { groupName: "finance" }, level: "CAN_RUN" });
    expect(granted.status).toBe(200);
    expect(directOf(ctx.emu, id)).toContain("groupName:finance=CAN_RUN");
    await ctx.call("POST", `/__emulator/acl/${id}/ui-revoke`, { principal: { groupName: "finance" } });
    expect(directOf(ctx.emu, id)).not.toContain("groupName:finance=CAN_RUN");
    await ctx.call("POST", "/__emulator/folder-grants", { folder: `/Users/${DEV}`, principal: { userName: "frank@example.com" }, level: "CAN_READ" });
    const view = await ctx.call("GET", `/__emulator/acl/${id}`);
    expect(view.body.access_control_list.find((e: any) => e.user_name === "frank@example.com").all_permissions[0].inherited).toBe(true);
    const bad = await ctx.call("POST", `/__emulator/acl/${id}/ui-grant`, { principal: { groupName: "finance", userName: DEV }, level: "CAN_RUN" });
    expect(bad.status).toBe(400);
  });
});

describe("principal registry", () => {
  const ctx = useEmulator({ principals: { users: ["erin@corp.example"], groups: { "bi-team": ["erin@corp.example"] }, servicePrincipals: ["app-123"] } });

  test("configured principals are accepted; the defaults are replaced", async () => {
    const id = uiSpace(ctx.emu);
    const ok = await ctx.call("PATCH", `${ACL}/${id}`, {
      access_control_list: [
        { user_name: "erin@corp.example", permission_level: "CAN_RUN" },
        { group_name: "bi-team", permission_level: "CAN_READ" },
        { service_principal_name: "app-123", permission_level: "CAN_EDIT" },
        { group_name: "users", permission_level: "CAN_READ" },
      ],
    });
    expect(ok.status).toBe(200);
    const missing = await ctx.call("PATCH", `${ACL}/${id}`, { access_control_list: [{ group_name: "analysts", permission_level: "CAN_RUN" }] });
    expect(missing.body.message).toBe("Principal: GroupName(analysts) does not exist");
  });
});
