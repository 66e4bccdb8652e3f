/**
 * The GenieSpacePermissions planner: every decision the resource makes, as data. Given what the
 * program declares, what state recorded, the space's ACL as read and who Pulumi runs as, it says
 * which request to send, what to record and what to tell the user. No Pulumi, no HTTP:
 * `./permissions-runtime.ts` reads what a plan needs, asks for the plan, sends it and records it.
 *
 * The resource manages the *direct* grants of one space (docs/genie-api.md §1 "ACLs"). Grants
 * inherited from the folder or the workspace root are not the space's own and are never drift.
 * - authoritative: the declared list is the whole direct list; one PUT sets it.
 * - additive: only the declared principals are managed; a PATCH grants or changes levels, and a
 *   principal dropped from the program is revoked by a PUT of the current direct list without it
 *   (a PATCH can add or change a grant, never remove one).
 * Lock-out protection (`keepManagerAccess`, default true): the identity Pulumi runs as keeps a
 * direct CAN_MANAGE, so a later run can still read and change the list.
 *
 * Inside the planner a principal is a key from the client's vocabulary ("group:analysts"); the
 * resource's own spelling (`{ groupName: "analysts" }`) appears only in inputs and state.
 */
import {
  accessControlRequests,
  describePrincipalKey,
  directGrants,
  levelAbove,
  parsePrincipalKey,
  principalKey,
  sortedByPrincipal,
  type AccessControlRequest,
  type GeniePermissionLevel,
  type PrincipalKind,
  type SpacePermissionsRecord,
} from "../client/permissions";

export type PermissionsMode = "authoritative" | "additive";

export const PERMISSIONS_MODES: readonly PermissionsMode[] = ["authoritative", "additive"];

/** One principal, the resource's way: exactly one of the three names. */
export interface PrincipalSpec {
  userName?: string;
  groupName?: string;
  /** A service principal's application id. */
  servicePrincipalName?: string;
}

export interface AccessControlSpec extends PrincipalSpec {
  permissionLevel: GeniePermissionLevel;
}

/** Checked inputs. */
export interface PermissionsSpec {
  spaceId: string;
  accessControls: AccessControlSpec[];
  mode: PermissionsMode;
  keepManagerAccess: boolean;
}

/** Outputs. */
export interface PermissionsState extends PermissionsSpec {
  host: string;
  /** The permissions object, "/genie/<space id>". */
  objectId: string;
  /**
   * The direct grants this resource manages, as last applied or read: every direct grant
   * (authoritative) or those of the declared principals and the kept manager (additive).
   */
  managedGrants: AccessControlSpec[];
  /** The identity Pulumi runs as, kept at CAN_MANAGE (only when keepManagerAccess is true). */
  managedBy?: PrincipalSpec;
}

/** Principal key → level. */
export type Grants = ReadonlyMap<string, GeniePermissionLevel>;

/** One request to the permissions API. */
export interface AclWrite {
  /** PUT replaces the whole direct list; PATCH adds or changes the listed grants and leaves the rest. */
  method: "PUT" | "PATCH";
  acl: AccessControlRequest[];
}

/** A line for the user; a warning is something they may not want. */
export interface Notice {
  severity: "info" | "warning";
  text: string;
}

/** What a plan must be given: who Pulumi runs as (SCIM /Me) and the space's ACL as it is now. */
export interface PlanNeeds {
  caller: boolean;
  acl: boolean;
}

/** What was read for a plan, as its {@link PlanNeeds} asked. `caller` is a principal key. */
export interface Observed {
  caller?: string;
  acl?: SpacePermissionsRecord;
}

/** Tells whether an input is, or contains, a value not known until `up` (preview placeholders). */
export type PendingTest = (value: unknown) => boolean;

const MANAGE: GeniePermissionLevel = "CAN_MANAGE";

// ---------------------------------------------------------------------------------------------- principals

/** The resource's field for each kind of principal (the keys are the client's: one vocabulary). */
const FIELD_OF_KIND = { user: "userName", group: "groupName", servicePrincipal: "servicePrincipalName" } as const satisfies Record<
  PrincipalKind,
  keyof PrincipalSpec
>;
const KINDS = Object.keys(FIELD_OF_KIND) as PrincipalKind[];

/** The fields that name a principal, in the order messages list them. */
export const PRINCIPAL_FIELDS: readonly (keyof PrincipalSpec)[] = KINDS.map((kind) => FIELD_OF_KIND[kind]);

export function keyOfSpec(entry: PrincipalSpec): string {
  for (const kind of KINDS) {
    const name = entry[FIELD_OF_KIND[kind]];
    if (typeof name === "string") return principalKey(kind, name);
  }
  throw new TypeError("access control entry names no principal");
}

/** The resource's principal for a key; an unknown kind throws (see parsePrincipalKey). */
export function principalOfKey(key: string): PrincipalSpec {
  const { kind, name } = parsePrincipalKey(key);
  return { [FIELD_OF_KIND[kind]]: name };
}

export function grantsOf(list: readonly AccessControlSpec[] | undefined): Map<string, GeniePermissionLevel> {
  return new Map((list ?? []).map((e) => [keyOfSpec(e), e.permissionLevel]));
}

/** Grants in the resource's spelling, in canonical order (by principal). */
export function grantList(grants: Grants): AccessControlSpec[] {
  return sortedByPrincipal(grants).map(([k, level]) => ({ ...principalOfKey(k), permissionLevel: level }));
}

function sameGrants(a: Grants, b: Grants): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

// ---------------------------------------------------------------------------------------------- what is managed

/** The principal a state keeps at CAN_MANAGE, if any. */
function managerOf(state: PermissionsState): string | undefined {
  return state.managedBy ? keyOfSpec(state.managedBy) : undefined;
}

/** The direct grants the spec asks for, with the kept manager at CAN_MANAGE. */
function desiredGrants(spec: PermissionsSpec, manager: string | undefined): Map<string, GeniePermissionLevel> {
  const grants = grantsOf(spec.accessControls);
  if (spec.keepManagerAccess && manager !== undefined) grants.set(manager, MANAGE);
  return grants;
}

/** Keys in scope: every direct grant (authoritative), or the declared principals and the manager (additive). */
function scopeFilter(mode: PermissionsMode, declared: Iterable<string>, manager: string | undefined): (key: string) => boolean {
  if (mode === "authoritative") return () => true;
  const keys = new Set(declared);
  if (manager !== undefined) keys.add(manager);
  return (key) => keys.has(key);
}

function managedFrom(acl: SpacePermissionsRecord, inScope: (key: string) => boolean): Map<string, GeniePermissionLevel> {
  return new Map([...directGrants(acl)].filter(([k]) => inScope(k)));
}

/** The grants of `base` without `revoked` and with `granted`: the body of a revoking PUT. */
function withoutRevoked(base: Grants, revoked: readonly string[], granted: Grants = new Map()): Map<string, GeniePermissionLevel> {
  const next = new Map(base);
  for (const k of revoked) next.delete(k);
  for (const [k, level] of granted) next.set(k, level);
  return next;
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal error: the permissions plan needs ${what}, which was not read`);
  return value;
}

// ---------------------------------------------------------------------------------------------- preview

/** What the preview's line about lock-out protection needs: nothing while the space or the flag is pending. */
export function needsForPreview(spec: PermissionsSpec, isPending: PendingTest): PlanNeeds {
  return { caller: !isPending(spec.spaceId) && !isPending(spec.keepManagerAccess), acl: false };
}

/**
 * The preview's line about lock-out protection: who keeps CAN_MANAGE, or a warning that Pulumi
 * is about to lose it. `caller` may be missing even when asked for (offline preview): the line
 * then names "the identity Pulumi runs as".
 */
export function previewNotice(spec: PermissionsSpec, caller: string | undefined, isPending: PendingTest): Notice | undefined {
  if (!needsForPreview(spec, isPending).caller) return undefined;
  const who = caller !== undefined ? describePrincipalKey(caller) : "the identity Pulumi runs as";
  if (spec.keepManagerAccess) {
    return {
      severity: "info",
      text: `GenieSpacePermissions ${spec.spaceId}: ${who} keeps CAN_MANAGE on the space (keepManagerAccess), so Pulumi can always read and change its permissions.`,
    };
  }
  const declared = !isPending(spec.accessControls) && caller !== undefined ? grantsOf(spec.accessControls).get(caller) : undefined;
  if (declared === MANAGE) return undefined;
  return {
    severity: "warning",
    text:
      `GenieSpacePermissions ${spec.spaceId}: keepManagerAccess is false and accessControls does not give ${who} CAN_MANAGE; ` +
      `after this update Pulumi can no longer read or change this space's permissions (refresh and destroy will fail) until an admin grants it back.`,
  };
}

// ---------------------------------------------------------------------------------------------- diff

export type PlannedChange = "none" | "update" | "replace";

/**
 * How the recorded state must change to meet the spec. Another space is another permissions
 * object (replace). A pending value may be anything, so it is a change, but never a replace:
 * a space being created or replaced upstream has a pending id during preview.
 * The kept manager compares as recorded, so it is not a change that the program does not name it.
 */
export function planDiff(state: PermissionsState, spec: PermissionsSpec, isPending: PendingTest): PlannedChange {
  if (!isPending(spec.spaceId) && spec.spaceId !== state.spaceId) return "replace";
  if (isPending(spec)) return "update";
  const same =
    spec.mode === state.mode &&
    spec.keepManagerAccess === state.keepManagerAccess &&
    sameGrants(desiredGrants(spec, managerOf(state)), grantsOf(state.managedGrants));
  return same ? "none" : "update";
}

// ---------------------------------------------------------------------------------------------- create & update

/** Authoritative mode needs no read: its PUT replaces the whole direct list whatever it holds. */
export function needsForApply(spec: PermissionsSpec): PlanNeeds {
  return { caller: spec.keepManagerAccess, acl: spec.mode === "additive" };
}

/** What create or update sends: one write, or nothing when the space already has the grants. */
export type ApplyPlan = {
  /** Principals an additive update revokes because the program no longer declares them. */
  revoked: string[];
  /** Told before the write. */
  notices: Notice[];
} & ({ write: AclWrite } | { write?: undefined; unchanged: SpacePermissionsRecord });

/**
 * The write that brings the space's direct grants to `spec`. `previous` is the state of an
 * update (its declared principals are the ones an additive update may revoke); none on create.
 */
export function planApply(spec: PermissionsSpec, previous: PermissionsState | undefined, observed: Observed): ApplyPlan {
  const manager = spec.keepManagerAccess ? required(observed.caller, "the identity Pulumi runs as") : undefined;
  const desired = desiredGrants(spec, manager);
  const notices = managerNotices(spec, manager);
  if (spec.mode === "authoritative") return { write: { method: "PUT", acl: accessControlRequests(desired) }, revoked: [], notices };

  const acl = required(observed.acl, "the space's current ACL");
  const direct = directGrants(acl);
  // Only principals this resource declared before are revoked, and only if they still hold a direct grant.
  const revoked = [...grantsOf(previous?.accessControls).keys()].filter((k) => !desired.has(k) && direct.has(k));
  if (revoked.length > 0) {
    return { write: { method: "PUT", acl: accessControlRequests(withoutRevoked(direct, revoked, desired)) }, revoked, notices };
  }
  const changed = new Map([...desired].filter(([k, level]) => direct.get(k) !== level));
  if (changed.size === 0) return { unchanged: acl, revoked: [], notices };
  return { write: { method: "PATCH", acl: accessControlRequests(changed) }, revoked: [], notices };
}

/** Declaring the kept manager below CAN_MANAGE does not lower it; say so rather than diverge silently. */
function managerNotices(spec: PermissionsSpec, manager: string | undefined): Notice[] {
  if (manager === undefined) return [];
  const declared = grantsOf(spec.accessControls).get(manager);
  if (declared === undefined || !levelAbove(MANAGE, declared)) return [];
  return [
    {
      severity: "warning",
      text:
        `GenieSpacePermissions ${spec.spaceId}: accessControls gives ${describePrincipalKey(manager)} ${declared}, but that is the identity Pulumi runs as; ` +
        `it keeps CAN_MANAGE (keepManagerAccess). Set keepManagerAccess: false to really lower it.`,
    },
  ];
}

/** The state to record after create or update, from the ACL the API answered with (or as read, when nothing was sent). */
export function recordedState(spec: PermissionsSpec, caller: string | undefined, acl: SpacePermissionsRecord, host: string): PermissionsState {
  const kept = spec.keepManagerAccess ? caller : undefined;
  const managed = managedFrom(acl, scopeFilter(spec.mode, grantsOf(spec.accessControls).keys(), kept));
  const state: PermissionsState = {
    spaceId: spec.spaceId,
    accessControls: spec.accessControls,
    mode: spec.mode,
    keepManagerAccess: spec.keepManagerAccess,
    host,
    objectId: typeof acl.object_id === "string" ? acl.object_id : `/genie/${spec.spaceId}`,
    managedGrants: grantList(managed),
  };
  // Left out rather than undefined: an undefined output fails the host (docs/dynamic-providers.md §2).
  if (kept !== undefined) state.managedBy = principalOfKey(kept);
  return state;
}

// ---------------------------------------------------------------------------------------------- refresh

export interface RefreshPlan {
  /** Whether someone changed the managed grants outside Pulumi. */
  drifted: boolean;
  /** Without drift: the recorded state itself, so `refresh --expect-no-changes` stays quiet. */
  state: PermissionsState;
}

/**
 * What a refresh records from the ACL as read. With drift, the inputs become what a program
 * declaring today's grants would say: the kept manager's own CAN_MANAGE is implicit unless the
 * program names it.
 */
export function planRefresh(state: PermissionsState, acl: SpacePermissionsRecord): RefreshPlan {
  const manager = managerOf(state);
  const declared = grantsOf(state.accessControls);
  const observed = managedFrom(acl, scopeFilter(state.mode, declared.keys(), manager));
  if (sameGrants(observed, grantsOf(state.managedGrants))) return { drifted: false, state };
  const equivalent = new Map(observed);
  if (manager !== undefined && !declared.has(manager) && equivalent.get(manager) === MANAGE) equivalent.delete(manager);
  const fresh: PermissionsState = { ...state, accessControls: grantList(equivalent), managedGrants: grantList(observed) };
  if (typeof acl.object_id === "string") fresh.objectId = acl.object_id;
  return { drifted: true, state: fresh };
}

/** The inputs a state stands for (what `read` reports so the next diff compares with what is really there). */
export function inputsOf(state: PermissionsState): PermissionsSpec {
  return { spaceId: state.spaceId, accessControls: state.accessControls, mode: state.mode, keepManagerAccess: state.keepManagerAccess };
}

// ---------------------------------------------------------------------------------------------- delete

/** Authoritative removal resets to the caller alone and needs no read; additive removal revokes only what is there. */
export function needsForRemoval(state: PermissionsState): PlanNeeds {
  return { caller: state.mode === "authoritative", acl: state.mode === "additive" };
}

export interface RemovalPlan {
  write?: AclWrite;
  revoked: string[];
  /** Told after the write. */
  notices: Notice[];
}

/**
 * authoritative: the space goes back to just the caller's CAN_MANAGE (what a new space has);
 * additive: the declared grants still present are revoked (not the kept manager's), everything
 * else stays.
 */
export function planRemoval(state: PermissionsState, observed: Observed): RemovalPlan {
  if (state.mode === "authoritative") {
    const me = required(observed.caller, "the identity Pulumi runs as");
    return {
      write: { method: "PUT", acl: accessControlRequests(new Map([[me, MANAGE]])) },
      revoked: [],
      notices: [{ severity: "info", text: `Genie space ${state.spaceId}: direct grants reset to CAN_MANAGE for ${describePrincipalKey(me)} only.` }],
    };
  }
  const direct = directGrants(required(observed.acl, "the space's current ACL"));
  const kept = state.keepManagerAccess ? managerOf(state) : undefined;
  const revoked = [...grantsOf(state.accessControls).keys()].filter((k) => k !== kept && direct.has(k));
  if (revoked.length === 0) return { revoked, notices: [] };
  return {
    write: { method: "PUT", acl: accessControlRequests(withoutRevoked(direct, revoked)) },
    revoked,
    notices: [{ severity: "info", text: `Genie space ${state.spaceId}: revoked ${revoked.map(describePrincipalKey).join(", ")}.` }],
  };
}
