/** GenieClient's permissions methods against the emulator, and the pure ACL helpers. */
import { credentialsFor } from "../../provider/lib/auth";
import {
  accessControlRequests,
  aclPrincipalKey,
  aclPrincipalOf,
  closeConnectionPools,
  currentPrincipalKey,
  directGrants,
  GenieApiError,
  GenieClient,
  isInvalidParameter,
  isNotFound,
  isPermissionDenied,
  parsePrincipalKey,
  type SpacePermissionsRecord,
} from "../../provider/lib/client";
import { ACL, DEV, directOf, uiSpace, useEmulator } from "./helpers";

function clientFor(url: string, token: string): GenieClient {
  return new GenieClient({
    host: url,
    credentials: credentialsFor({ host: url, authType: "pat", token, sources: {} }),
    requestsPerSecond: 1000,
    minRetryDelayMs: 1,
    maxRetryDelayMs: 5,
  });
}

afterAll(() => closeConnectionPools());

describe("GenieClient permissions methods", () => {
  const ctx = useEmulator();
  const c = () => clientFor(ctx.emu.url, ctx.emu.token);
  const seen = () => ctx.emu.requests().map((r) => [r.method, r.path, r.body]);

  test("getPermissions: one GET of /api/2.0/permissions/genie/{id}, parsed", async () => {
    const id = uiSpace(ctx.emu);
    const acl = await c().getPermissions(id);
    expect(seen()).toEqual([["GET", `${ACL}/${id}`, undefined]]);
    expect(acl.object_id).toBe(`/genie/${id}`);
    expect([...directGrants(acl)]).toEqual([[`user:${DEV}`, "CAN_MANAGE"]]);
  });

  test("setPermissions PUTs the list as access_control_list and returns the new ACL", async () => {
    const id = uiSpace(ctx.emu);
    const list = [
      { group_name: "analysts", permission_level: "CAN_RUN" as const },
      { user_name: DEV, permission_level: "CAN_MANAGE" as const },
    ];
    const acl = await c().setPermissions(id, list);
    expect(seen()).toEqual([["PUT", `${ACL}/${id}`, { access_control_list: list }]]);
    expect(directGrants(acl).get("group:analysts")).toBe("CAN_RUN");
    expect(directOf(ctx.emu, id)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
  });

  test("updatePermissions PATCHes only the given grants", async () => {
    const id = uiSpace(ctx.emu);
    await c().updatePermissions(id, [{ group_name: "data-engineers", permission_level: "CAN_EDIT" }]);
    expect(seen()).toEqual([["PATCH", `${ACL}/${id}`, { access_control_list: [{ group_name: "data-engineers", permission_level: "CAN_EDIT" }] }]]);
    expect(directOf(ctx.emu, id)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:data-engineers=CAN_EDIT"]);
  });

  test("API errors keep their kind and message: 400 unknown principal, 404 missing space, 403 below CAN_MANAGE", async () => {
    const id = uiSpace(ctx.emu);
    const bad = await c().updatePermissions(id, [{ user_name: "bob@example.com", permission_level: "CAN_RUN" }]).catch((e) => e);
    expect(bad).toBeInstanceOf(GenieApiError);
    expect(isInvalidParameter(bad)).toBe(true);
    expect(bad.message).toContain("Principal: UserName(bob@example.com) does not exist");
    expect(bad.message).toContain(`PATCH ${ACL}/${id}`);
    expect(isNotFound(await c().getPermissions("f".repeat(32)).catch((e) => e))).toBe(true);
    await c().setPermissions(id, [{ group_name: "admins", permission_level: "CAN_MANAGE" }]);
    const denied = await c().getPermissions(id).catch((e) => e);
    expect(isPermissionDenied(denied)).toBe(true);
    expect(denied.message).not.toContain(ctx.emu.token);
  });

  test("a 503 on PUT is retried (absolute levels make it safe to repeat)", async () => {
    const id = uiSpace(ctx.emu);
    ctx.emu.setFaults([{ method: "PUT", kind: "503", times: 1 }]);
    const client = c();
    await client.setPermissions(id, [{ user_name: DEV, permission_level: "CAN_MANAGE" }, { group_name: "analysts", permission_level: "CAN_READ" }]);
    expect(client.stats().retries).toBe(1);
    expect(directOf(ctx.emu, id)).toContain("groupName:analysts=CAN_READ");
  });

  test("currentUser reads SCIM /Me", async () => {
    const me = await c().currentUser();
    expect(me.userName).toBe(DEV);
    expect(currentPrincipalKey(me)).toBe(`user:${DEV}`);
  });

  test("an empty space id is rejected before any request", async () => {
    await expect(c().getPermissions("")).rejects.toThrow(/non-empty/);
    expect(ctx.emu.requests()).toHaveLength(0);
  });
});

describe("ACL helpers", () => {
  const acl: SpacePermissionsRecord = {
    access_control_list: [
      { user_name: "a@x.com", all_permissions: [{ permission_level: "CAN_RUN", inherited: false }, { permission_level: "CAN_MANAGE", inherited: true, inherited_from_object: ["/directories/1"] }] },
      { group_name: "admins", all_permissions: [{ permission_level: "CAN_MANAGE", inherited: true, inherited_from_object: ["/directories/"] }] },
      { service_principal_name: "app-1", all_permissions: [{ permission_level: "CAN_EDIT", inherited: false }] },
    ],
  };

  test("directGrants keeps only non-inherited levels", () => {
    expect([...directGrants(acl)]).toEqual([
      ["user:a@x.com", "CAN_RUN"],
      ["servicePrincipal:app-1", "CAN_EDIT"],
    ]);
  });

  test("currentPrincipalKey: application id or UUID userName → service principal, else user", () => {
    expect(currentPrincipalKey({ userName: "a@x.com" })).toBe("user:a@x.com");
    expect(currentPrincipalKey({ userName: "sp", applicationId: "app-1" })).toBe("servicePrincipal:app-1");
    expect(currentPrincipalKey({ userName: "0b6a6b0e-3c53-4c8e-9d53-8f9c2a1e7d11" })).toBe("servicePrincipal:0b6a6b0e-3c53-4c8e-9d53-8f9c2a1e7d11");
    expect(currentPrincipalKey({})).toBeUndefined();
  });

  test("accessControlRequests maps keys back to API principals in a stable order", () => {
    const req = accessControlRequests(new Map([["user:b@x.com", "CAN_RUN"], ["group:analysts", "CAN_READ"]] as const));
    expect(req).toEqual([
      { group_name: "analysts", permission_level: "CAN_READ" },
      { user_name: "b@x.com", permission_level: "CAN_RUN" },
    ]);
  });

  test("principal keys round-trip through the API's principal fields", () => {
    for (const p of [{ user_name: "a@x.com" }, { group_name: "analysts" }, { service_principal_name: "app-1" }]) {
      expect(aclPrincipalOf(aclPrincipalKey(p)!)).toEqual(p);
    }
    expect(aclPrincipalKey({ user_name: "a@x.com", group_name: "analysts" })).toBeUndefined();
  });

  test("a key with an unknown or missing kind is an error, never guessed as some principal", () => {
    for (const key of ["robot:r2", "servicePrincipals:app-1", "a@x.com", ":a@x.com"]) {
      expect(() => parsePrincipalKey(key)).toThrow(/not a principal key/);
      expect(() => aclPrincipalOf(key)).toThrow(/not a principal key/);
    }
    expect(() => accessControlRequests(new Map([["robot:r2", "CAN_RUN"]] as const))).toThrow(/not a principal key: robot:r2/);
  });
});
