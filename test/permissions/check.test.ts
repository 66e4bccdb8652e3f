/** The provider's input check on its own: defaults, canonical order, and values unknown during preview. */
import { aclPrincipalKey } from "../../provider/lib/client";
import { checkPermissionsInputs as check } from "../../provider/lib/resources/permissions-check";
import { keyOfSpec, principalOfKey } from "../../provider/lib/resources/permissions-plan";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SPACE = "01f165773d141195a9f0e3c5148d22bf";

test("defaults: authoritative mode and keepManagerAccess; grants in a canonical order whatever the program's order", () => {
  const a = check({}, { spaceId: SPACE, accessControls: [{ userName: "b@x.com", permissionLevel: "CAN_RUN" }, { groupName: "analysts", permissionLevel: "CAN_READ" }] });
  const b = check({}, { spaceId: SPACE, accessControls: [{ groupName: "analysts", permissionLevel: "CAN_READ" }, { userName: " b@x.com ", permissionLevel: "CAN_RUN" }] });
  expect(a.failures).toEqual([]);
  expect(a.inputs).toEqual(b.inputs);
  expect(a.inputs).toEqual({
    spaceId: SPACE,
    mode: "authoritative",
    keepManagerAccess: true,
    accessControls: [
      { groupName: "analysts", permissionLevel: "CAN_READ" },
      { userName: "b@x.com", permissionLevel: "CAN_RUN" },
    ],
  });
});

test("values unknown during preview pass check untouched", () => {
  const r = check({}, { spaceId: UNKNOWN, accessControls: [{ groupName: UNKNOWN, permissionLevel: "CAN_RUN" }, { groupName: "analysts", permissionLevel: UNKNOWN }], mode: UNKNOWN });
  expect(r.failures).toEqual([]);
  expect(r.inputs.spaceId).toBe(UNKNOWN);
  expect(r.inputs.mode).toBe(UNKNOWN);
  expect(r.inputs.accessControls).toHaveLength(2);
  expect(check({}, { spaceId: SPACE, accessControls: UNKNOWN }).inputs.accessControls).toBe(UNKNOWN);
});

test("an unknown field, a missing level and a missing list are reported with their paths", () => {
  const r = check({}, { spaceId: SPACE, accessControls: [{ groupName: "analysts", permission: "CAN_RUN" }] });
  expect(r.failures.map((f) => f.property).sort()).toEqual(["accessControls[0].permission", "accessControls[0].permissionLevel"]);
  expect(check({}, { spaceId: SPACE }).failures.map((f) => f.property)).toEqual(["accessControls"]);
  expect(check({}, { spaceId: SPACE, accessControls: [], keepManagerAccess: "yes" }).failures.map((f) => f.property)).toEqual(["keepManagerAccess"]);
});

test("the resource names principals with the client's keys, both ways", () => {
  expect(keyOfSpec({ userName: "a@x.com" })).toBe(aclPrincipalKey({ user_name: "a@x.com" }));
  expect(keyOfSpec({ groupName: "analysts" })).toBe(aclPrincipalKey({ group_name: "analysts" }));
  expect(keyOfSpec({ servicePrincipalName: "app-1" })).toBe(aclPrincipalKey({ service_principal_name: "app-1" }));
  for (const p of [{ userName: "a@x.com" }, { groupName: "analysts" }, { servicePrincipalName: "app-1" }]) expect(principalOfKey(keyOfSpec(p))).toEqual(p);
});

test("a principal key of an unknown kind is an error, not a service principal", () => {
  expect(() => principalOfKey("robot:r2")).toThrow(/not a principal key: robot:r2/);
  expect(() => principalOfKey("no-kind")).toThrow(/not a principal key/);
});
