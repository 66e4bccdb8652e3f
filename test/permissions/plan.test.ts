/**
 * The GenieSpacePermissions planner on its own: every decision the resource makes (which request,
 * which revokes, what state, what it tells the user), from real-shaped ACLs as the permissions API
 * returns them. The same behaviors through the provider host are in lifecycle.test.ts.
 */
import type { AccessControlRequest, AccessControlResponse, AclPrincipal, GeniePermissionLevel, SpacePermissionsRecord } from "../../provider/lib/client";
import { isUnknown, UNKNOWN } from "../../provider/lib/resources/context";
import {
  inputsOf,
  needsForApply,
  needsForPreview,
  needsForRemoval,
  planApply,
  planDiff,
  planRefresh,
  planRemoval,
  previewNotice,
  recordedState,
  type AccessControlSpec,
  type AclWrite,
  type PermissionsSpec,
  type PermissionsState,
} from "../../provider/lib/resources/permissions-plan";

const SPACE = "01f165773d141195a9f0e3c5148d22bf";
const OTHER_SPACE = "01f16577aaaaaaaaaaaaaaaaaaaaaaaa";
const HOST = "https://adb-1.azuredatabricks.net";
const DEV = "dev@example.com";
/** Pulumi runs as the user dev@example.com unless a test says otherwise. */
const ME = `user:${DEV}`;
const SP_APP_ID = "0b6a6b0e-3c53-4c8e-9d53-8f9c2a1e7d11";

// ---- real-shaped ACLs (GET /api/2.0/permissions/genie/{id}) -------------------------------------

const user = (user_name: string): AclPrincipal => ({ user_name });
const group = (group_name: string): AclPrincipal => ({ group_name });
const sp = (service_principal_name: string): AclPrincipal => ({ service_principal_name });

function direct(principal: AclPrincipal, level: GeniePermissionLevel): AccessControlResponse {
  return { ...principal, all_permissions: [{ permission_level: level, inherited: false }] };
}

function inherited(principal: AclPrincipal, level: GeniePermissionLevel, from = "/directories/1234"): AccessControlResponse {
  return { ...principal, all_permissions: [{ permission_level: level, inherited: true, inherited_from_object: [from] }] };
}

/** One entry of a PUT or PATCH body. */
function entry(principal: AclPrincipal, level: GeniePermissionLevel): AccessControlRequest {
  return { ...principal, permission_level: level };
}

/** What the plan asks to send: PUT replaces the direct list, PATCH adds or changes grants. */
const put = (...acl: AccessControlRequest[]): AclWrite => ({ method: "PUT", acl });
const patch = (...acl: AccessControlRequest[]): AclWrite => ({ method: "PATCH", acl });

/** Every workspace has this one: admins hold CAN_MANAGE inherited from the workspace root. */
const ADMINS = inherited(group("admins"), "CAN_MANAGE", "/directories/");

function acl(...entries: AccessControlResponse[]): SpacePermissionsRecord {
  return { object_id: `/genie/${SPACE}`, object_type: "genie", access_control_list: [ADMINS, ...entries] };
}

// ---- the resource's side ------------------------------------------------------------------------

const analysts = (permissionLevel: GeniePermissionLevel): AccessControlSpec => ({ groupName: "analysts", permissionLevel });
const alice = (permissionLevel: GeniePermissionLevel): AccessControlSpec => ({ userName: "alice@example.com", permissionLevel });
const engineers = (permissionLevel: GeniePermissionLevel): AccessControlSpec => ({ groupName: "data-engineers", permissionLevel });
const meAt = (permissionLevel: GeniePermissionLevel): AccessControlSpec => ({ userName: DEV, permissionLevel });

function spec(accessControls: AccessControlSpec[], extra: Partial<PermissionsSpec> = {}): PermissionsSpec {
  return { spaceId: SPACE, accessControls, mode: "authoritative", keepManagerAccess: true, ...extra };
}

/** A recorded state, written out: what the last create, update or refresh stored. */
function state(declared: PermissionsSpec, managedGrants: AccessControlSpec[], managedBy: string | undefined = ME): PermissionsState {
  const s: PermissionsState = { ...declared, host: HOST, objectId: `/genie/${declared.spaceId}`, managedGrants };
  if (declared.keepManagerAccess && managedBy) s.managedBy = { userName: managedBy.slice("user:".length) };
  return s;
}

const additive = { mode: "additive" as const };

// =================================================================================================

describe("what each operation must read first", () => {
  test("authoritative apply reads no ACL (its PUT replaces the whole list); additive apply does", () => {
    expect(needsForApply(spec([]))).toEqual({ caller: true, acl: false });
    expect(needsForApply(spec([], additive))).toEqual({ caller: true, acl: true });
  });

  test("without lock-out protection, apply does not ask who Pulumi runs as", () => {
    expect(needsForApply(spec([], { keepManagerAccess: false }))).toEqual({ caller: false, acl: false });
  });

  test("authoritative removal needs only the caller; additive removal only the ACL", () => {
    expect(needsForRemoval(state(spec([]), []))).toEqual({ caller: true, acl: false });
    expect(needsForRemoval(state(spec([], additive), []))).toEqual({ caller: false, acl: true });
  });

  test("preview asks who Pulumi runs as only once the space id and keepManagerAccess are known", () => {
    expect(needsForPreview(spec([]), isUnknown)).toEqual({ caller: true, acl: false });
    expect(needsForPreview(spec([], { spaceId: UNKNOWN }), isUnknown).caller).toBe(false);
    expect(needsForPreview(spec([], { keepManagerAccess: UNKNOWN as never }), isUnknown).caller).toBe(false);
  });
});

describe("preview: the lock-out protection line", () => {
  test("with keepManagerAccess, names the identity that keeps CAN_MANAGE", () => {
    expect(previewNotice(spec([analysts("CAN_RUN")]), ME, isUnknown)).toEqual({
      severity: "info",
      text: `GenieSpacePermissions ${SPACE}: user ${DEV} keeps CAN_MANAGE on the space (keepManagerAccess), so Pulumi can always read and change its permissions.`,
    });
  });

  test("a service principal is named as one", () => {
    expect(previewNotice(spec([]), `servicePrincipal:${SP_APP_ID}`, isUnknown)?.text).toContain(`service principal ${SP_APP_ID} keeps CAN_MANAGE`);
  });

  test("offline (who Pulumi runs as could not be asked), the line still comes, naming no one", () => {
    expect(previewNotice(spec([]), undefined, isUnknown)?.text).toContain("the identity Pulumi runs as keeps CAN_MANAGE");
  });

  test("keepManagerAccess false without a declared CAN_MANAGE for the caller warns of the lock-out", () => {
    const notice = previewNotice(spec([analysts("CAN_MANAGE"), meAt("CAN_EDIT")], { keepManagerAccess: false }), ME, isUnknown);
    expect(notice).toEqual({
      severity: "warning",
      text:
        `GenieSpacePermissions ${SPACE}: keepManagerAccess is false and accessControls does not give user ${DEV} CAN_MANAGE; ` +
        "after this update Pulumi can no longer read or change this space's permissions (refresh and destroy will fail) until an admin grants it back.",
    });
  });

  test("keepManagerAccess false is quiet when the program itself gives the caller CAN_MANAGE", () => {
    expect(previewNotice(spec([meAt("CAN_MANAGE")], { keepManagerAccess: false }), ME, isUnknown)).toBeUndefined();
  });

  test("keepManagerAccess false warns when the grants or the caller cannot be known yet", () => {
    const pendingList = spec([{ userName: UNKNOWN, permissionLevel: "CAN_MANAGE" }], { keepManagerAccess: false });
    expect(previewNotice(pendingList, ME, isUnknown)?.severity).toBe("warning");
    expect(previewNotice(spec([meAt("CAN_MANAGE")], { keepManagerAccess: false }), undefined, isUnknown)?.text).toContain(
      "does not give the identity Pulumi runs as CAN_MANAGE",
    );
  });

  test("nothing is said while the space id or keepManagerAccess is pending", () => {
    expect(previewNotice(spec([], { spaceId: UNKNOWN }), ME, isUnknown)).toBeUndefined();
    expect(previewNotice(spec([], { keepManagerAccess: UNKNOWN as never }), ME, isUnknown)).toBeUndefined();
  });
});

describe("diff", () => {
  const declared = spec([analysts("CAN_RUN")]);
  const recorded = state(declared, [analysts("CAN_RUN"), meAt("CAN_MANAGE")]);

  test("the same grants are no change, though the program never names the kept manager", () => {
    expect(planDiff(recorded, declared, isUnknown)).toBe("none");
  });

  test("a level change, an added or a removed principal is an in-place update", () => {
    expect(planDiff(recorded, spec([analysts("CAN_EDIT")]), isUnknown)).toBe("update");
    expect(planDiff(recorded, spec([analysts("CAN_RUN"), alice("CAN_READ")]), isUnknown)).toBe("update");
    expect(planDiff(recorded, spec([]), isUnknown)).toBe("update");
  });

  test("grants that drifted (as a refresh recorded them) are an update back to the program", () => {
    const drifted = state(declared, [analysts("CAN_RUN"), alice("CAN_EDIT"), meAt("CAN_MANAGE")]);
    expect(planDiff(drifted, declared, isUnknown)).toBe("update");
    const managerRemoved = state(declared, [analysts("CAN_RUN")]);
    expect(planDiff(managerRemoved, declared, isUnknown)).toBe("update");
  });

  test("switching mode or lock-out protection is an update", () => {
    expect(planDiff(recorded, spec([analysts("CAN_RUN")], additive), isUnknown)).toBe("update");
    expect(planDiff(recorded, spec([analysts("CAN_RUN")], { keepManagerAccess: false }), isUnknown)).toBe("update");
  });

  test("another space is another permissions object: replace", () => {
    expect(planDiff(recorded, spec([analysts("CAN_RUN")], { spaceId: OTHER_SPACE }), isUnknown)).toBe("replace");
  });

  test("a pending value is an update, and a pending space id is not a replace", () => {
    expect(planDiff(recorded, spec([analysts("CAN_RUN")], { spaceId: UNKNOWN }), isUnknown)).toBe("update");
    expect(planDiff(recorded, spec([{ groupName: "analysts", permissionLevel: UNKNOWN as never }]), isUnknown)).toBe("update");
  });
});

describe("apply, authoritative", () => {
  test("one PUT of the declared grants plus the caller's CAN_MANAGE, whatever the space holds now", () => {
    const plan = planApply(spec([analysts("CAN_RUN"), alice("CAN_EDIT")]), undefined, { caller: ME });
    expect(plan.write).toEqual(put(entry(group("analysts"), "CAN_RUN"), entry(user("alice@example.com"), "CAN_EDIT"), entry(user(DEV), "CAN_MANAGE")));
    expect(plan.revoked).toEqual([]);
    expect(plan.notices).toEqual([]);
  });

  test("a level change is the same single PUT with the new level", () => {
    const previous = state(spec([analysts("CAN_RUN")]), [analysts("CAN_RUN"), meAt("CAN_MANAGE")]);
    const plan = planApply(spec([analysts("CAN_EDIT")]), previous, { caller: ME });
    expect(plan.write).toEqual(put(entry(group("analysts"), "CAN_EDIT"), entry(user(DEV), "CAN_MANAGE")));
  });

  test("each kind of principal is sent in its own API field", () => {
    const plan = planApply(
      spec([{ servicePrincipalName: SP_APP_ID, permissionLevel: "CAN_RUN" }, engineers("CAN_EDIT"), alice("CAN_READ")]),
      undefined,
      { caller: `servicePrincipal:deployer` },
    );
    expect(plan.write?.acl).toEqual([
      entry(group("data-engineers"), "CAN_EDIT"),
      entry(sp(SP_APP_ID), "CAN_RUN"),
      entry(sp("deployer"), "CAN_MANAGE"),
      entry(user("alice@example.com"), "CAN_READ"),
    ]);
  });

  test("lock-out protection: declaring the caller below CAN_MANAGE keeps its CAN_MANAGE, with a warning", () => {
    const plan = planApply(spec([analysts("CAN_RUN"), meAt("CAN_RUN")]), undefined, { caller: ME });
    expect(plan.write?.acl).toContainEqual(entry(user(DEV), "CAN_MANAGE"));
    expect(plan.write?.acl).not.toContainEqual(entry(user(DEV), "CAN_RUN"));
    expect(plan.notices).toEqual([
      {
        severity: "warning",
        text:
          `GenieSpacePermissions ${SPACE}: accessControls gives user ${DEV} CAN_RUN, but that is the identity Pulumi runs as; ` +
          "it keeps CAN_MANAGE (keepManagerAccess). Set keepManagerAccess: false to really lower it.",
      },
    ]);
  });

  test("declaring the caller at CAN_MANAGE itself is no warning", () => {
    expect(planApply(spec([meAt("CAN_MANAGE")]), undefined, { caller: ME }).notices).toEqual([]);
  });

  test("keepManagerAccess false sends exactly the declared list: the caller can be lowered or dropped, without a warning", () => {
    const lowered = planApply(spec([analysts("CAN_MANAGE"), meAt("CAN_READ")], { keepManagerAccess: false }), undefined, {});
    expect(lowered.write?.acl).toEqual([
      entry(group("analysts"), "CAN_MANAGE"),
      entry(user(DEV), "CAN_READ"),
    ]);
    expect(lowered.notices).toEqual([]);
    const handedOver = planApply(spec([analysts("CAN_MANAGE")], { keepManagerAccess: false }), undefined, { caller: ME });
    expect(handedOver.write?.acl).toEqual([entry(group("analysts"), "CAN_MANAGE")]);
  });

  test("an empty list leaves only the caller's CAN_MANAGE", () => {
    expect(planApply(spec([]), undefined, { caller: ME }).write).toEqual(put(entry(user(DEV), "CAN_MANAGE")));
  });

  test("with lock-out protection the plan refuses to guess who the caller is", () => {
    expect(() => planApply(spec([]), undefined, {})).toThrow(/needs the identity Pulumi runs as/);
  });
});

describe("apply, additive", () => {
  // Someone shared the space in the UI before Pulumi managed it; the folder grants data-engineers CAN_EDIT.
  const shared = [direct(user(DEV), "CAN_MANAGE"), direct(user("alice@example.com"), "CAN_EDIT"), inherited(group("data-engineers"), "CAN_EDIT")];

  test("a new grant is one PATCH of just that grant; grants made by others are not sent", () => {
    const plan = planApply(spec([analysts("CAN_RUN")], additive), undefined, { caller: ME, acl: acl(...shared) });
    expect(plan.write).toEqual(patch(entry(group("analysts"), "CAN_RUN")));
    expect(plan.revoked).toEqual([]);
  });

  test("a level change is one PATCH of only the changed grant", () => {
    const now = acl(...shared, direct(group("analysts"), "CAN_RUN"), direct(user("bob@example.com"), "CAN_READ"));
    const previous = state(spec([analysts("CAN_RUN"), { userName: "bob@example.com", permissionLevel: "CAN_READ" }], additive), []);
    const plan = planApply(spec([analysts("CAN_EDIT"), { userName: "bob@example.com", permissionLevel: "CAN_READ" }], additive), previous, {
      caller: ME,
      acl: now,
    });
    expect(plan.write).toEqual(patch(entry(group("analysts"), "CAN_EDIT")));
  });

  test("no-op: when the space already has every declared grant nothing is sent, and the ACL as read is the result", () => {
    const now = acl(...shared, direct(group("analysts"), "CAN_RUN"));
    const plan = planApply(spec([analysts("CAN_RUN")], additive), undefined, { caller: ME, acl: now });
    expect(plan.write).toBeUndefined();
    expect(plan).toMatchObject({ unchanged: now, revoked: [], notices: [] });
  });

  test("inherited grants do not count: a principal holding a level only through the folder still gets its direct grant", () => {
    const plan = planApply(spec([engineers("CAN_EDIT")], additive), undefined, { caller: ME, acl: acl(...shared) });
    expect(plan.write).toEqual(patch(entry(group("data-engineers"), "CAN_EDIT")));
  });

  test("lock-out protection: the caller's missing direct CAN_MANAGE is granted back, even while it manages through the folder", () => {
    const now = acl(inherited(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_RUN"));
    const plan = planApply(spec([analysts("CAN_RUN")], additive), undefined, { caller: ME, acl: now });
    expect(plan.write).toEqual(patch(entry(user(DEV), "CAN_MANAGE")));
  });

  test("revoke: a principal dropped from the program is removed by one PUT of the current direct grants without it", () => {
    const now = acl(...shared, direct(group("analysts"), "CAN_RUN"), direct(group("data-engineers"), "CAN_EDIT"));
    const previous = state(spec([analysts("CAN_RUN"), engineers("CAN_EDIT")], additive), []);
    const plan = planApply(spec([analysts("CAN_RUN")], additive), previous, { caller: ME, acl: now });
    expect(plan.revoked).toEqual(["group:data-engineers"]);
    expect(plan.write).toEqual(put(entry(group("analysts"), "CAN_RUN"), entry(user("alice@example.com"), "CAN_EDIT"), entry(user(DEV), "CAN_MANAGE")));
  });

  test("the revoking PUT also carries the other changes, so one request does it all", () => {
    const now = acl(direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_RUN"), direct(group("data-engineers"), "CAN_EDIT"));
    const previous = state(spec([analysts("CAN_RUN"), engineers("CAN_EDIT")], additive), []);
    const plan = planApply(spec([analysts("CAN_EDIT"), alice("CAN_READ")], additive), previous, { caller: ME, acl: now });
    expect(plan.write).toEqual(put(entry(group("analysts"), "CAN_EDIT"), entry(user("alice@example.com"), "CAN_READ"), entry(user(DEV), "CAN_MANAGE")));
  });

  test("only principals this resource declared are revoked: a UI grant or an already-gone grant is no revoke", () => {
    const now = acl(...shared, direct(group("analysts"), "CAN_RUN"));
    const previous = state(spec([analysts("CAN_RUN"), engineers("CAN_EDIT")], additive), []); // data-engineers is only inherited now
    const plan = planApply(spec([analysts("CAN_RUN")], additive), previous, { caller: ME, acl: now });
    expect(plan.revoked).toEqual([]);
    expect(plan.write).toBeUndefined();
    expect(planApply(spec([], additive), undefined, { caller: ME, acl: now }).write).toBeUndefined(); // create never revokes
  });

  test("the kept manager is never revoked, even when the program stops naming it", () => {
    const now = acl(direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_RUN"));
    const previous = state(spec([analysts("CAN_RUN"), meAt("CAN_MANAGE")], additive), []);
    const plan = planApply(spec([analysts("CAN_RUN")], additive), previous, { caller: ME, acl: now });
    expect(plan.revoked).toEqual([]);
    expect(plan.write).toBeUndefined();
  });

  test("without lock-out protection the caller dropped from the program is revoked like anyone", () => {
    const now = acl(direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_MANAGE"));
    const previous = state(spec([analysts("CAN_MANAGE"), meAt("CAN_MANAGE")], { ...additive, keepManagerAccess: false }), []);
    const plan = planApply(spec([analysts("CAN_MANAGE")], { ...additive, keepManagerAccess: false }), previous, { acl: now });
    expect(plan.revoked).toEqual([ME]);
    expect(plan.write).toEqual(put(entry(group("analysts"), "CAN_MANAGE")));
  });

  test("the plan refuses to guess the current ACL", () => {
    expect(() => planApply(spec([], additive), undefined, { caller: ME })).toThrow(/needs the space's current ACL/);
  });
});

describe("the state recorded after create or update", () => {
  test("authoritative: every direct grant the API answered with, the caller as managedBy; inherited grants left out", () => {
    const answered = acl(direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_RUN"), inherited(group("data-engineers"), "CAN_EDIT"));
    const declared = spec([analysts("CAN_RUN")]);
    expect(recordedState(declared, ME, answered, HOST)).toEqual({
      ...declared,
      host: HOST,
      objectId: `/genie/${SPACE}`,
      managedGrants: [analysts("CAN_RUN"), meAt("CAN_MANAGE")],
      managedBy: { userName: DEV },
    });
  });

  test("additive: only the declared principals and the kept manager; others' grants are not this resource's", () => {
    const answered = acl(direct(user(DEV), "CAN_MANAGE"), direct(user("alice@example.com"), "CAN_EDIT"), direct(group("analysts"), "CAN_RUN"));
    expect(recordedState(spec([analysts("CAN_RUN")], additive), ME, answered, HOST).managedGrants).toEqual([analysts("CAN_RUN"), meAt("CAN_MANAGE")]);
  });

  test("without lock-out protection there is no managedBy, and in additive mode the caller's grant is not managed", () => {
    const answered = acl(direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_MANAGE"));
    const recorded = recordedState(spec([analysts("CAN_MANAGE")], { ...additive, keepManagerAccess: false }), ME, answered, HOST);
    expect(recorded.managedBy).toBeUndefined();
    expect("managedBy" in recorded).toBe(false); // absent, not undefined: the host rejects undefined outputs
    expect(recorded.managedGrants).toEqual([analysts("CAN_MANAGE")]);
  });

  test("the object id falls back to /genie/<space id> when the answer has none", () => {
    expect(recordedState(spec([]), ME, { access_control_list: [] }, HOST).objectId).toBe(`/genie/${SPACE}`);
  });
});

describe("refresh", () => {
  const declared = spec([analysts("CAN_RUN")]);
  const recorded = state(declared, [analysts("CAN_RUN"), meAt("CAN_MANAGE")]);
  const asApplied = [direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_RUN")];

  test("no change outside: exactly the recorded state, so refresh --expect-no-changes is quiet", () => {
    const plan = planRefresh(recorded, acl(...asApplied));
    expect(plan.drifted).toBe(false);
    expect(plan.state).toBe(recorded);
    expect(inputsOf(plan.state)).toEqual(declared);
  });

  test("inherited grants are never drift", () => {
    expect(planRefresh(recorded, acl(...asApplied, inherited(group("data-engineers"), "CAN_EDIT"), inherited(user("alice@example.com"), "CAN_MANAGE"))).drifted).toBe(false);
  });

  test("authoritative: a grant made in the UI shows up in the inputs, and the kept manager stays implicit", () => {
    const plan = planRefresh(recorded, acl(...asApplied, direct(user("alice@example.com"), "CAN_EDIT")));
    expect(plan.drifted).toBe(true);
    expect(plan.state.managedGrants).toEqual([analysts("CAN_RUN"), alice("CAN_EDIT"), meAt("CAN_MANAGE")]);
    expect(inputsOf(plan.state)).toEqual({ ...declared, accessControls: [analysts("CAN_RUN"), alice("CAN_EDIT")] });
  });

  test("a grant removed in the UI leaves the inputs without it", () => {
    const plan = planRefresh(recorded, acl(direct(user(DEV), "CAN_MANAGE")));
    expect(plan.drifted).toBe(true);
    expect(plan.state.accessControls).toEqual([]);
  });

  test("the caller's own CAN_MANAGE removed in the UI is drift (the next up restores it)", () => {
    const plan = planRefresh(recorded, acl(direct(group("analysts"), "CAN_RUN"), inherited(user(DEV), "CAN_MANAGE")));
    expect(plan.drifted).toBe(true);
    expect(plan.state.managedGrants).toEqual([analysts("CAN_RUN")]);
    expect(plan.state.managedBy).toEqual({ userName: DEV });
  });

  test("a program that names the caller keeps naming it", () => {
    const named = spec([analysts("CAN_RUN"), meAt("CAN_MANAGE")]);
    const plan = planRefresh(state(named, [analysts("CAN_RUN"), meAt("CAN_MANAGE")]), acl(...asApplied, direct(group("data-engineers"), "CAN_READ")));
    expect(plan.state.accessControls).toEqual([analysts("CAN_RUN"), engineers("CAN_READ"), meAt("CAN_MANAGE")]);
  });

  test("additive: another principal's grant is not drift, a declared principal's changed level is", () => {
    const mine = spec([analysts("CAN_RUN")], additive);
    const recordedAdditive = state(mine, [analysts("CAN_RUN"), meAt("CAN_MANAGE")]);
    expect(planRefresh(recordedAdditive, acl(...asApplied, direct(group("data-engineers"), "CAN_READ"))).drifted).toBe(false);
    const changed = planRefresh(recordedAdditive, acl(direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_EDIT")));
    expect(changed.drifted).toBe(true);
    expect(changed.state.accessControls).toEqual([analysts("CAN_EDIT")]);
  });

  test("with drift, the object id is taken from what was read", () => {
    const moved: SpacePermissionsRecord = { ...acl(direct(user(DEV), "CAN_MANAGE")), object_id: "/genie/renamed" };
    expect(planRefresh(recorded, moved).state.objectId).toBe("/genie/renamed");
  });
});

describe("removal", () => {
  test("authoritative: one PUT back to the caller's CAN_MANAGE alone, what a new space has", () => {
    const plan = planRemoval(state(spec([analysts("CAN_RUN")]), []), { caller: ME });
    expect(plan.write).toEqual(put(entry(user(DEV), "CAN_MANAGE")));
    expect(plan.notices).toEqual([{ severity: "info", text: `Genie space ${SPACE}: direct grants reset to CAN_MANAGE for user ${DEV} only.` }]);
  });

  test("additive: the declared grants still present are revoked; others' grants and the kept manager stay", () => {
    const declared = spec([analysts("CAN_RUN"), engineers("CAN_EDIT"), meAt("CAN_MANAGE")], additive);
    const now = acl(direct(user(DEV), "CAN_MANAGE"), direct(user("alice@example.com"), "CAN_EDIT"), direct(group("analysts"), "CAN_RUN"), inherited(group("data-engineers"), "CAN_EDIT"));
    const plan = planRemoval(state(declared, []), { acl: now });
    expect(plan.revoked).toEqual(["group:analysts"]);
    expect(plan.write).toEqual(put(entry(user("alice@example.com"), "CAN_EDIT"), entry(user(DEV), "CAN_MANAGE")));
    expect(plan.notices).toEqual([{ severity: "info", text: `Genie space ${SPACE}: revoked group analysts.` }]);
  });

  test("additive without lock-out protection revokes a declared caller too", () => {
    const declared = spec([analysts("CAN_MANAGE"), meAt("CAN_MANAGE")], { ...additive, keepManagerAccess: false });
    const plan = planRemoval(state(declared, []), { acl: acl(direct(user(DEV), "CAN_MANAGE"), direct(group("analysts"), "CAN_MANAGE")) });
    expect(plan.revoked).toEqual(["group:analysts", ME]);
    expect(plan.write).toEqual(put());
  });

  test("additive with nothing left to revoke sends nothing and says nothing", () => {
    const plan = planRemoval(state(spec([analysts("CAN_RUN")], additive), []), { acl: acl(direct(user(DEV), "CAN_MANAGE")) });
    expect(plan).toEqual({ revoked: [], notices: [] });
  });
});

test("an entry that names no principal is an error, never a guess", () => {
  expect(() => planApply(spec([{ permissionLevel: "CAN_RUN" }]), undefined, { caller: ME })).toThrow(/names no principal/);
});
