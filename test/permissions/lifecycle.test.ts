/**
 * GenieSpacePermissions through the real dynamic-provider host, driven with the engine's step
 * rules, against the emulator (issue 6 "Must show").
 */
import type { GenieSpacePermissionsArgs } from "pulumi-genie";
import { directOf, startPermissionsScenario, uiSpace, writes, type PermissionsScenario } from "./scenario";

const ACL = "/api/2.0/permissions/genie";
const DEV = "dev@example.com";

describe("GenieSpacePermissions, authoritative", () => {
  let s: PermissionsScenario;
  let spaceId: string;

  beforeAll(async () => {
    s = await startPermissionsScenario();
  });
  beforeEach(() => {
    s.reset();
    spaceId = uiSpace(s.emulator);
  });
  afterAll(async () => {
    await s.close();
  });

  const team = (accessControls: GenieSpacePermissionsArgs["accessControls"], extra: Partial<GenieSpacePermissionsArgs> = {}) => ({
    team: { spaceId, accessControls, ...extra },
  });
  const analystsRun = () => team([{ groupName: "analysts", permissionLevel: "CAN_RUN" }]);

  async function up(resources: Record<string, GenieSpacePermissionsArgs>) {
    const result = await s.engine.up(await s.declare(resources));
    expect(result.steps.filter((x) => x.op === "failed" || x.op === "check-failed")).toEqual([]);
    return result;
  }

  test("grant: preview says who keeps CAN_MANAGE; up makes one PUT of the declared grants plus the caller's CAN_MANAGE", async () => {
    const preview = await s.engine.preview(await s.declare(analystsRun()));
    expect(preview.steps.map((x) => x.op)).toEqual(["create"]);
    await s.waitForOutput(`user ${DEV} keeps CAN_MANAGE on the space (keepManagerAccess)`);
    expect(writes(s.takeRequests())).toEqual([]);

    const result = await up(analystsRun());
    expect(result.steps.map((x) => x.op)).toEqual(["create"]);
    expect(writes(s.takeRequests())).toEqual([`PUT ${ACL}/${spaceId}`]);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
    const [entry] = s.engine.state();
    expect(entry.id).toBe(spaceId);
    expect(entry.outputs.managedBy).toEqual({ userName: DEV });
    expect(entry.outputs.managedGrants).toEqual([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { userName: DEV, permissionLevel: "CAN_MANAGE" },
    ]);
    expect(entry.outputs.objectId).toBe(`/genie/${spaceId}`);
  });

  test("a repeated up writes nothing and a refresh reports no change with one GET", async () => {
    await up(analystsRun());
    s.takeRequests();
    const again = await up(analystsRun());
    expect(again.steps.map((x) => x.op)).toEqual(["same"]);
    expect(writes(s.takeRequests())).toEqual([]);
    const refreshed = await s.engine.refresh();
    expect(refreshed.steps.map((x) => x.op)).toEqual(["refresh-same"]);
    expect(s.takeRequests()).toEqual([`GET ${ACL}/${spaceId}`]);
  });

  test("change level: CAN_RUN → CAN_EDIT is an in-place update with one PUT", async () => {
    await up(analystsRun());
    s.takeRequests();
    const result = await up(team([{ groupName: "analysts", permissionLevel: "CAN_EDIT" }]));
    expect(result.steps.map((x) => x.op)).toEqual(["update"]);
    expect(writes(s.takeRequests())).toEqual([`PUT ${ACL}/${spaceId}`]);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_EDIT"]);
  });

  test("revoke: an entry removed from the program is removed from the space", async () => {
    await up(team([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { userName: "alice@example.com", permissionLevel: "CAN_EDIT" },
    ]));
    const result = await up(analystsRun());
    expect(result.steps.map((x) => x.op)).toEqual(["update"]);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
  });

  test("a grant made in the UI shows up on refresh, and the next up removes it", async () => {
    await up(analystsRun());
    s.emulator.permissions.uiGrant(spaceId, { userName: "alice@example.com" }, "CAN_EDIT");
    const refreshed = await s.engine.refresh();
    expect(refreshed.steps.map((x) => x.op)).toEqual(["refresh-update"]);
    const [entry] = s.engine.state();
    expect(entry.inputs.accessControls).toEqual([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { userName: "alice@example.com", permissionLevel: "CAN_EDIT" },
    ]);
    const preview = await s.engine.preview(await s.declare(analystsRun()));
    expect(preview.steps.map((x) => x.op)).toEqual(["update"]);
    s.takeRequests();
    await up(analystsRun());
    expect(writes(s.takeRequests())).toEqual([`PUT ${ACL}/${spaceId}`]);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
    expect((await s.engine.refresh()).steps.map((x) => x.op)).toEqual(["refresh-same"]);
  });

  test("a grant removed in the UI shows up on refresh, and the next up restores it", async () => {
    await up(analystsRun());
    s.emulator.permissions.uiRevoke(spaceId, { groupName: "analysts" });
    expect((await s.engine.refresh()).steps.map((x) => x.op)).toEqual(["refresh-update"]);
    expect(s.engine.state()[0].inputs.accessControls).toEqual([]);
    const result = await up(analystsRun());
    expect(result.steps.map((x) => x.op)).toEqual(["update"]);
    expect(directOf(s.emulator, spaceId)).toContain("groupName:analysts=CAN_RUN");
  });

  test("inherited grants (folder, workspace root) are never drift", async () => {
    await up(analystsRun());
    s.emulator.permissions.setFolderGrant(`/Users/${DEV}`, { groupName: "data-engineers" }, "CAN_EDIT");
    expect((await s.engine.refresh()).steps.map((x) => x.op)).toEqual(["refresh-same"]);
    s.takeRequests();
    expect((await up(analystsRun())).steps.map((x) => x.op)).toEqual(["same"]);
    expect(writes(s.takeRequests())).toEqual([]);
  });

  test("lock-out protection: declaring the caller below CAN_MANAGE keeps its CAN_MANAGE, with a warning, and converges", async () => {
    const declared = team([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { userName: DEV, permissionLevel: "CAN_RUN" },
    ]);
    await up(declared);
    await s.waitForOutput(/warning: .*gives user dev@example.com CAN_RUN, but that is the identity Pulumi runs as; it keeps CAN_MANAGE/);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
    expect((await up(declared)).steps.map((x) => x.op)).toEqual(["same"]);
  });

  test("lock-out protection: the caller's own CAN_MANAGE removed in the UI is restored by the next up", async () => {
    await up(analystsRun());
    s.emulator.permissions.setFolderGrant(`/Users/${DEV}`, { userName: DEV }, "CAN_MANAGE"); // so the caller can still read
    s.emulator.permissions.uiRevoke(spaceId, { userName: DEV });
    expect((await s.engine.refresh()).steps.map((x) => x.op)).toEqual(["refresh-update"]);
    expect((await up(analystsRun())).steps.map((x) => x.op)).toEqual(["update"]);
    expect(directOf(s.emulator, spaceId)).toContain(`userName:${DEV}=CAN_MANAGE`);
  });

  test("keepManagerAccess: false warns at preview, really removes the caller, and the next refresh then fails loudly without dropping state", async () => {
    const handOver = team([{ groupName: "analysts", permissionLevel: "CAN_MANAGE" }], { keepManagerAccess: false });
    await s.engine.preview(await s.declare(handOver));
    await s.waitForOutput(/warning: .*keepManagerAccess is false and accessControls does not give user dev@example.com CAN_MANAGE/);
    await up(handOver);
    expect(directOf(s.emulator, spaceId)).toEqual(["groupName:analysts=CAN_MANAGE"]);
    expect(s.engine.state()[0].outputs.managedBy).toBeUndefined();
    const refreshed = await s.engine.refresh();
    expect(refreshed.steps[0].op).toBe("failed");
    expect(refreshed.steps[0].error).toMatch(/lacks CAN_MANAGE on Genie space .*grant it back/);
    expect(s.engine.state()).toHaveLength(1);
  });

  test("a space deleted out of band: refresh drops the grants from state; destroy of a gone space succeeds", async () => {
    await up(analystsRun());
    s.emulator.spaces.trash(spaceId);
    const refreshed = await s.engine.refresh();
    expect(refreshed.steps.map((x) => x.op)).toEqual(["refresh-delete"]);
    expect(s.engine.state()).toEqual([]);

    const other = uiSpace(s.emulator, "Other");
    spaceId = other;
    await up(analystsRun());
    s.emulator.spaces.trash(other);
    const destroyed = await s.engine.destroy();
    expect(destroyed.steps.map((x) => x.op)).toEqual(["delete"]);
    await s.waitForOutput(`Genie space ${other} is gone; its permissions went with it.`);
  });

  test("destroy leaves only the caller's CAN_MANAGE", async () => {
    await up(team([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { userName: "alice@example.com", permissionLevel: "CAN_EDIT" },
    ]));
    s.emulator.permissions.uiGrant(spaceId, { groupName: "data-engineers" }, "CAN_READ");
    const destroyed = await s.engine.destroy();
    expect(destroyed.failed).toBe(0);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`]);
  });

  test("bad input is rejected at check, each problem with its property path, before any API call", async () => {
    const result = await s.engine.preview(
      await s.declare(
        team([
          { groupName: "analysts", permissionLevel: "CAN_FOO" as never },
          { userName: "", permissionLevel: "CAN_RUN" },
          { userName: "alice@example.com", groupName: "analysts", permissionLevel: "CAN_RUN" },
          { groupName: "data-engineers", permissionLevel: "can view" as never },
          { groupName: "data-engineers", permissionLevel: "CAN_EDIT" },
        ]),
      ),
    );
    expect(result.steps[0].op).toBe("check-failed");
    const failures = Object.fromEntries(result.steps[0].failures!.map((f) => [f.property, f.reason]));
    expect(failures["accessControls[0].permissionLevel"]).toBe(
      'unknown permission level "CAN_FOO": Genie spaces accept CAN_READ, CAN_RUN, CAN_EDIT, CAN_MANAGE.',
    );
    expect(failures["accessControls[1].userName"]).toBe("userName is empty: give the user's email address.");
    expect(failures["accessControls[2]"]).toMatch(/names userName and groupName: an entry grants exactly one principal/);
    expect(failures["accessControls[3].permissionLevel"]).toMatch(/did you mean CAN_READ\? The UI's "Can view" is CAN_READ/);
    expect(Object.keys(failures)).not.toContain("accessControls[4]"); // [3] failed, so [4] is the first data-engineers entry
    expect(s.takeRequests()).toEqual([]);

    const dup = await s.engine.preview(await s.declare(team([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { groupName: "analysts", permissionLevel: "CAN_EDIT" },
    ])));
    expect(dup.steps[0].failures).toEqual([
      { property: "accessControls[1]", reason: 'groupName "analysts" is already in accessControls[0]: declare each principal once, with the highest level it needs.' },
    ]);
    const badId = await s.engine.preview(await s.declare({ team: { spaceId: "not-a-space", accessControls: [], mode: "exclusive" as never } }));
    expect(badId.steps[0].failures!.map((f) => f.property).sort()).toEqual(["mode", "spaceId"]);
    expect(s.takeRequests()).toEqual([]);
  });

  test("an unknown principal fails the up with the API's message", async () => {
    const result = await s.engine.up(await s.declare(team([{ userName: "bob@example.com", permissionLevel: "CAN_RUN" }])));
    expect(result.steps[0].op).toBe("failed");
    expect(result.steps[0].error).toContain("Principal: UserName(bob@example.com) does not exist");
    expect(s.engine.state()).toEqual([]);
  });

  test("pointing at another space replaces: the new space gets the grants, the old one keeps only the caller's CAN_MANAGE", async () => {
    await up(analystsRun());
    const first = spaceId;
    spaceId = uiSpace(s.emulator, "Sales v2");
    const result = await up(analystsRun());
    expect(result.steps.map((x) => x.op)).toEqual(["replace"]);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
    expect(directOf(s.emulator, first)).toEqual([`userName:${DEV}=CAN_MANAGE`]);
  });

  test("an expired credential during refresh fails loudly and keeps the grants in state", async () => {
    await up(analystsRun());
    const before = s.engine.state();
    s.emulator.revokeToken(s.emulator.token);
    const refreshed = await s.engine.refresh();
    expect(refreshed.steps[0].op).toBe("failed");
    expect(refreshed.steps[0].error).toMatch(/HTTP 401/);
    expect(refreshed.steps[0].error).not.toContain(s.emulator.token);
    expect(s.engine.state()).toEqual(before);
  });

  test("the serialized provider is a small shim without credentials", async () => {
    const [declared] = await s.declare(analystsRun());
    const text = declared.inputs.__provider as string;
    expect(text.length).toBeLessThan(4096);
    expect(text).toContain('require("pulumi-genie/runtime").genieSpacePermissions');
    expect(text).not.toContain(s.emulator.token);
  });
});

describe("GenieSpacePermissions, additive", () => {
  let s: PermissionsScenario;
  let spaceId: string;

  beforeAll(async () => {
    s = await startPermissionsScenario();
  });
  beforeEach(() => {
    s.reset();
    spaceId = uiSpace(s.emulator);
    // Someone shared the space in the UI before Pulumi manages it.
    s.emulator.permissions.uiGrant(spaceId, { userName: "alice@example.com" }, "CAN_EDIT");
  });
  afterAll(async () => {
    await s.close();
  });

  const team = (accessControls: GenieSpacePermissionsArgs["accessControls"]) => ({ team: { spaceId, accessControls, mode: "additive" as const } });
  const analystsRun = () => team([{ groupName: "analysts", permissionLevel: "CAN_RUN" }]);

  async function up(resources: Record<string, GenieSpacePermissionsArgs>) {
    const result = await s.engine.up(await s.declare(resources));
    expect(result.steps.filter((x) => x.op === "failed" || x.op === "check-failed")).toEqual([]);
    return result;
  }

  test("grant: one PATCH of the declared grants; grants made by others stay", async () => {
    s.takeRequests();
    await up(analystsRun());
    expect(writes(s.takeRequests())).toEqual([`PATCH ${ACL}/${spaceId}`]);
    expect(directOf(s.emulator, spaceId)).toEqual([
      `userName:alice@example.com=CAN_EDIT`,
      `userName:${DEV}=CAN_MANAGE`,
      "groupName:analysts=CAN_RUN",
    ]);
  });

  test("a grant made in the UI for another principal is left alone: refresh and up see no change", async () => {
    await up(analystsRun());
    s.emulator.permissions.uiGrant(spaceId, { groupName: "data-engineers" }, "CAN_READ");
    expect((await s.engine.refresh()).steps.map((x) => x.op)).toEqual(["refresh-same"]);
    s.takeRequests();
    expect((await up(analystsRun())).steps.map((x) => x.op)).toEqual(["same"]);
    expect(writes(s.takeRequests())).toEqual([]);
    expect(directOf(s.emulator, spaceId)).toContain("groupName:data-engineers=CAN_READ");
  });

  test("a declared grant changed in the UI shows up on refresh, and the next up sets it back", async () => {
    await up(analystsRun());
    s.emulator.permissions.uiGrant(spaceId, { groupName: "analysts" }, "CAN_EDIT");
    expect((await s.engine.refresh()).steps.map((x) => x.op)).toEqual(["refresh-update"]);
    s.takeRequests();
    expect((await up(analystsRun())).steps.map((x) => x.op)).toEqual(["update"]);
    expect(writes(s.takeRequests())).toEqual([`PATCH ${ACL}/${spaceId}`]);
    expect(directOf(s.emulator, spaceId)).toContain("groupName:analysts=CAN_RUN");
  });

  test("change level: one PATCH", async () => {
    await up(analystsRun());
    s.takeRequests();
    await up(team([{ groupName: "analysts", permissionLevel: "CAN_EDIT" }]));
    expect(writes(s.takeRequests())).toEqual([`PATCH ${ACL}/${spaceId}`]);
    expect(directOf(s.emulator, spaceId)).toContain("groupName:analysts=CAN_EDIT");
  });

  test("revoke: removing a declared grant revokes only that one", async () => {
    await up(team([
      { groupName: "analysts", permissionLevel: "CAN_RUN" },
      { groupName: "data-engineers", permissionLevel: "CAN_EDIT" },
    ]));
    s.takeRequests();
    const result = await up(analystsRun());
    expect(result.steps.map((x) => x.op)).toEqual(["update"]);
    expect(writes(s.takeRequests())).toEqual([`PUT ${ACL}/${spaceId}`]);
    expect(directOf(s.emulator, spaceId)).toEqual([
      `userName:alice@example.com=CAN_EDIT`,
      `userName:${DEV}=CAN_MANAGE`,
      "groupName:analysts=CAN_RUN",
    ]);
  });

  test("destroy revokes the declared grants and nothing else", async () => {
    await up(analystsRun());
    const destroyed = await s.engine.destroy();
    expect(destroyed.failed).toBe(0);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:alice@example.com=CAN_EDIT`, `userName:${DEV}=CAN_MANAGE`]);
  });

  test("switching to authoritative removes the grants made by others", async () => {
    await up(analystsRun());
    const result = await up({ team: { spaceId, accessControls: [{ groupName: "analysts", permissionLevel: "CAN_RUN" }], mode: "authoritative" } });
    expect(result.steps.map((x) => x.op)).toEqual(["update"]);
    expect(directOf(s.emulator, spaceId)).toEqual([`userName:${DEV}=CAN_MANAGE`, "groupName:analysts=CAN_RUN"]);
  });
});
