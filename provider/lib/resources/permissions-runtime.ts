/**
 * The GenieSpacePermissions provider runtime: what `./permissions-shim.ts` calls in the
 * dynamic-provider host, as `require("pulumi-genie/runtime").genieSpacePermissions`.
 *
 * The resource manages the *direct* grants of one space through the permissions API
 * (docs/genie-api.md §1 "ACLs"). Inherited grants (parent folder, workspace root) are not the space's
 * own and are never drift. Two modes:
 * - authoritative: the declared list is the whole direct list (one PUT);
 * - additive: only the declared principals are managed (PATCH to grant/upgrade; a principal
 *   removed from the program is revoked by a PUT of the current direct list without it).
 * Lock-out protection (`keepManagerAccess`, default true): the identity Pulumi runs as (SCIM /Me)
 * always keeps a direct CAN_MANAGE, so a later run can still read and change the list.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  GenieClient,
  GENIE_PERMISSION_LEVELS,
  accessControlRequests,
  currentPrincipalKey,
  describePrincipalKey as describeKey,
  directGrants,
  isGeniePermissionLevel,
  isNotFound,
  isPermissionDenied,
  levelAbove,
  parsePrincipalKey,
  principalKey,
  sortedByPrincipal,
  type GeniePermissionLevel,
  type PrincipalKind,
  type SpacePermissionsRecord,
} from "../client";
import { assertSameWorkspace as assertWorkspace, configureProvider, isUnknown, providerClient as client, UNKNOWN } from "./context";


export type PermissionsMode = "authoritative" | "additive";

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

const PRINCIPAL_FIELDS = ["userName", "groupName", "servicePrincipalName"] as const;
type PrincipalField = (typeof PRINCIPAL_FIELDS)[number];
/** The resource's field for each kind of principal (keys come from ../client: one vocabulary). */
const FIELD_OF_KIND: Readonly<Record<PrincipalKind, PrincipalField>> = { user: "userName", group: "groupName", servicePrincipal: "servicePrincipalName" };
const KINDS = Object.keys(FIELD_OF_KIND) as PrincipalKind[];
const ENTRY_FIELDS = new Set<string>([...PRINCIPAL_FIELDS, "permissionLevel"]);
const MODES: readonly PermissionsMode[] = ["authoritative", "additive"];

// ---------------------------------------------------------------------------------------------- settings & client

const callers = new WeakMap<GenieClient, Promise<string>>();
/** How long the preview's "who keeps CAN_MANAGE" line may wait for SCIM /Me. */
const ANNOUNCE_TIMEOUT_MS = 5_000;

/** Who Pulumi runs as (principal key), from SCIM /Me; asked once per client. */
function callerKey(c: GenieClient, timeoutMs?: number): Promise<string> {
  let p = callers.get(c);
  if (!p) {
    p = c.currentUser({ timeoutMs }).then((me) => {
      const key = currentPrincipalKey(me);
      if (!key) throw new Error(`cannot tell which identity ${c.host} knows these credentials as: GET /api/2.0/preview/scim/v2/Me returned no userName.`);
      return key;
    });
    p.catch(() => callers.delete(c));
    callers.set(c, p);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------- principals

function keyOfSpec(entry: PrincipalSpec): string {
  for (const kind of KINDS) {
    const name = entry[FIELD_OF_KIND[kind]];
    if (typeof name === "string") return principalKey(kind, name);
  }
  throw new TypeError("access control entry names no principal");
}

/** The resource's principal for a key; an unknown kind throws (see parsePrincipalKey). */
function principalOfKey(key: string): PrincipalSpec {
  const { kind, name } = parsePrincipalKey(key);
  return { [FIELD_OF_KIND[kind]]: name };
}

function toMap(list: AccessControlSpec[] | undefined): Map<string, GeniePermissionLevel> {
  return new Map((list ?? []).map((e) => [keyOfSpec(e), e.permissionLevel]));
}

function toList(grants: Map<string, GeniePermissionLevel>): AccessControlSpec[] {
  return sortedByPrincipal(grants).map(([k, level]) => ({ ...principalOfKey(k), permissionLevel: level }));
}

function sameGrants(a: Map<string, GeniePermissionLevel>, b: Map<string, GeniePermissionLevel>): boolean {
  return a.size === b.size && [...a].every(([k, v]) => b.get(k) === v);
}

// ---------------------------------------------------------------------------------------------- check

/** "can view" / "Can Run" / "CAN-EDIT" → the API level they most likely mean. */
function suggestLevel(raw: string): GeniePermissionLevel | undefined {
  const norm = raw.trim().toUpperCase().replace(/[\s-]+/g, "_");
  if (norm === "CAN_VIEW" || norm === "VIEW" || norm === "READ") return "CAN_READ";
  if (isGeniePermissionLevel(norm)) return norm;
  if (isGeniePermissionLevel(`CAN_${norm}`)) return `CAN_${norm}` as GeniePermissionLevel;
  return undefined;
}

function checkEntry(
  raw: unknown,
  i: number,
  failures: pulumi.dynamic.CheckFailure[],
): AccessControlSpec | "unknown" | undefined {
  const at = `accessControls[${i}]`;
  if (raw === UNKNOWN) return "unknown";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    failures.push({ property: at, reason: `${at} must be an object like { groupName: "analysts", permissionLevel: "CAN_RUN" }.` });
    return undefined;
  }
  const e = raw as Record<string, unknown>;
  let ok = true;
  for (const k of Object.keys(e)) {
    if (!ENTRY_FIELDS.has(k) && e[k] !== undefined && e[k] !== null) {
      failures.push({ property: `${at}.${k}`, reason: `unknown field "${k}": an entry has one of userName, groupName or servicePrincipalName, and permissionLevel.` });
      ok = false;
    }
  }
  const given = PRINCIPAL_FIELDS.filter((f) => e[f] !== undefined && e[f] !== null);
  const out: Partial<AccessControlSpec> = {};
  for (const f of given) {
    const v = e[f];
    if (v === UNKNOWN) continue;
    if (typeof v !== "string") {
      failures.push({ property: `${at}.${f}`, reason: `${f} must be a string.` });
      ok = false;
    } else if (v.trim() === "") {
      const what = f === "userName" ? "the user's email address" : f === "groupName" ? "the group's name" : "the service principal's application id";
      failures.push({ property: `${at}.${f}`, reason: `${f} is empty: give ${what}.` });
      ok = false;
    } else out[f] = v.trim();
  }
  if (given.length === 0) {
    failures.push({ property: at, reason: `${at} names no principal: give exactly one of userName, groupName or servicePrincipalName.` });
    ok = false;
  } else if (given.length > 1) {
    failures.push({
      property: at,
      reason: `${at} names ${given.join(" and ")}: an entry grants exactly one principal; split it into one entry per principal.`,
    });
    ok = false;
  }
  const level = e.permissionLevel;
  if (level === UNKNOWN) {
    // resolved during `up`; validated then
  } else if (level === undefined || level === null || level === "") {
    failures.push({ property: `${at}.permissionLevel`, reason: `permissionLevel is required: one of ${GENIE_PERMISSION_LEVELS.join(", ")}.` });
    ok = false;
  } else if (!isGeniePermissionLevel(level)) {
    const hint = typeof level === "string" ? suggestLevel(level) : undefined;
    failures.push({
      property: `${at}.permissionLevel`,
      reason:
        `unknown permission level ${JSON.stringify(level)}: Genie spaces accept ${GENIE_PERMISSION_LEVELS.join(", ")}` +
        (hint ? ` (did you mean ${hint}?${hint === "CAN_READ" ? ' The UI\'s "Can view" is CAN_READ.' : ""})` : "."),
    });
    ok = false;
  } else out.permissionLevel = level;
  if (!ok) return undefined;
  if (isUnknown(e)) return "unknown";
  return out as AccessControlSpec;
}

function check(_olds: Record<string, unknown>, news: Record<string, unknown>): { inputs: Record<string, unknown>; failures: pulumi.dynamic.CheckFailure[] } {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const out: Record<string, unknown> = {};

  const spaceId = news.spaceId;
  if (spaceId === UNKNOWN) out.spaceId = spaceId;
  else if (typeof spaceId !== "string" || !/^[0-9a-f]{32}$/.test(spaceId.trim())) {
    failures.push({
      property: "spaceId",
      reason: `spaceId must be a Genie space id: 32 lowercase hex characters, e.g. a GenieSpace's spaceId output or the part after /genie/rooms/ in the space's URL (got ${JSON.stringify(spaceId ?? null)}).`,
    });
  } else out.spaceId = spaceId.trim();

  const mode = news.mode ?? "authoritative";
  if (mode === UNKNOWN || (MODES as readonly unknown[]).includes(mode)) out.mode = mode;
  else failures.push({ property: "mode", reason: `mode must be "authoritative" (the list is the whole list) or "additive" (only the declared grants are managed); got ${JSON.stringify(mode)}.` });

  const keep = news.keepManagerAccess ?? true;
  if (keep === UNKNOWN || typeof keep === "boolean") out.keepManagerAccess = keep;
  else failures.push({ property: "keepManagerAccess", reason: `keepManagerAccess must be true or false (got ${JSON.stringify(keep)}).` });

  const list = news.accessControls;
  if (list === UNKNOWN) out.accessControls = UNKNOWN;
  else if (!Array.isArray(list)) {
    failures.push({ property: "accessControls", reason: 'accessControls is required: a list like [{ groupName: "analysts", permissionLevel: "CAN_RUN" }] ([] is allowed).' });
  } else {
    const known: AccessControlSpec[] = [];
    const pending: unknown[] = [];
    const seen = new Map<string, number>();
    list.forEach((raw, i) => {
      const entry = checkEntry(raw, i, failures);
      if (entry === "unknown") pending.push(raw);
      else if (entry) {
        const key = keyOfSpec(entry);
        const first = seen.get(key);
        if (first !== undefined) {
          const [field] = PRINCIPAL_FIELDS.filter((f) => entry[f] !== undefined);
          failures.push({
            property: `accessControls[${i}]`,
            reason: `${field} ${JSON.stringify(entry[field])} is already in accessControls[${first}]: declare each principal once, with the highest level it needs.`,
          });
        } else {
          seen.set(key, i);
          known.push(entry);
        }
      }
    });
    // Canonical order (by principal) so state and refreshed inputs compare equal however the program lists them.
    out.accessControls = [...toList(toMap(known)), ...pending];
  }
  return { inputs: out, failures };
}

/**
 * What `check` tells the user about lock-out protection (the preview shows it). Asks the
 * workspace who Pulumi runs as; never fails the check.
 */
async function announceManager(spec: PermissionsSpec): Promise<void> {
  if (isUnknown(spec.keepManagerAccess) || isUnknown(spec.spaceId)) return;
  let who = "the identity Pulumi runs as";
  let key: string | undefined;
  try {
    // Only a courtesy line for the preview: never wait long for it (check should stay fast offline).
    key = await callerKey(client(), ANNOUNCE_TIMEOUT_MS);
    who = describeKey(key);
  } catch {
    // credentials or network not usable yet: the operations themselves will say so
  }
  if (spec.keepManagerAccess) {
    console.log(
      `GenieSpacePermissions ${spec.spaceId}: ${who} keeps CAN_MANAGE on the space (keepManagerAccess), so Pulumi can always read and change its permissions.`,
    );
    return;
  }
  const declared = !isUnknown(spec.accessControls) && key !== undefined ? toMap(spec.accessControls).get(key) : undefined;
  if (declared !== "CAN_MANAGE") {
    console.log(
      `warning: GenieSpacePermissions ${spec.spaceId}: keepManagerAccess is false and accessControls does not give ${who} CAN_MANAGE; ` +
        `after this update Pulumi can no longer read or change this space's permissions (refresh and destroy will fail) until an admin grants it back.`,
    );
  }
}

// ---------------------------------------------------------------------------------------------- diff

function assertSameWorkspace(olds: Record<string, unknown>, c: GenieClient): void {
  assertWorkspace(
    olds,
    c,
    `the permissions of Genie space ${String(olds.spaceId)} were set in`,
    "remove the resource from state (pulumi state delete <urn>) before managing another workspace.",
  );
}

/** The direct grants the spec asks for, with the kept manager at CAN_MANAGE. */
function desiredGrants(spec: PermissionsSpec, manager: string | undefined): Map<string, GeniePermissionLevel> {
  const grants = toMap(spec.accessControls);
  if (spec.keepManagerAccess && manager !== undefined) grants.set(manager, "CAN_MANAGE");
  return grants;
}

function managerOf(state: PermissionsState): string | undefined {
  return state.managedBy ? keyOfSpec(state.managedBy) : undefined;
}

function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): pulumi.dynamic.DiffResult {
  assertSameWorkspace(olds, client());
  const state = olds as unknown as PermissionsState;
  const spec = news as unknown as PermissionsSpec;
  // Another space is another permissions object: replace (a space being replaced upstream is unknown during preview).
  if (spec.spaceId !== UNKNOWN && spec.spaceId !== state.spaceId) {
    return { changes: true, replaces: ["spaceId"], deleteBeforeReplace: false };
  }
  const changes =
    isUnknown(spec) ||
    spec.mode !== state.mode ||
    spec.keepManagerAccess !== state.keepManagerAccess ||
    !sameGrants(desiredGrants(spec, managerOf(state)), toMap(state.managedGrants));
  return { changes, replaces: [], deleteBeforeReplace: false };
}

// ---------------------------------------------------------------------------------------------- outputs

/** Keys in scope: every direct grant (authoritative), or the declared principals and the manager (additive). */
function scopeFilter(mode: PermissionsMode, declared: Iterable<string>, manager: string | undefined): (key: string) => boolean {
  if (mode === "authoritative") return () => true;
  const keys = new Set(declared);
  if (manager !== undefined) keys.add(manager);
  return (key) => keys.has(key);
}

function managedFrom(record: SpacePermissionsRecord, inScope: (key: string) => boolean): Map<string, GeniePermissionLevel> {
  return new Map([...directGrants(record)].filter(([k]) => inScope(k)));
}

function toState(record: SpacePermissionsRecord, spec: PermissionsSpec, manager: string | undefined, host: string): PermissionsState {
  const kept = spec.keepManagerAccess ? manager : undefined;
  const managed = managedFrom(record, scopeFilter(spec.mode, toMap(spec.accessControls).keys(), kept));
  const state: PermissionsState = {
    spaceId: spec.spaceId,
    accessControls: spec.accessControls,
    mode: spec.mode,
    keepManagerAccess: spec.keepManagerAccess,
    host,
    objectId: typeof record.object_id === "string" ? record.object_id : `/genie/${spec.spaceId}`,
    managedGrants: toList(managed),
  };
  if (kept !== undefined) state.managedBy = principalOfKey(kept);
  return state;
}

function specOf(state: PermissionsState): PermissionsSpec {
  return { spaceId: state.spaceId, accessControls: state.accessControls, mode: state.mode, keepManagerAccess: state.keepManagerAccess };
}

function warnDeclaredManager(spec: PermissionsSpec, manager: string | undefined): void {
  if (!spec.keepManagerAccess || manager === undefined) return;
  const declared = toMap(spec.accessControls).get(manager);
  if (declared !== undefined && levelAbove("CAN_MANAGE", declared)) {
    console.log(
      `warning: GenieSpacePermissions ${spec.spaceId}: accessControls gives ${describeKey(manager)} ${declared}, but that is the identity Pulumi runs as; ` +
        `it keeps CAN_MANAGE (keepManagerAccess). Set keepManagerAccess: false to really lower it.`,
    );
  }
}

function withHint(err: unknown, spaceId: string): unknown {
  if (isNotFound(err)) {
    return new Error(
      `cannot manage the permissions of Genie space ${spaceId}: it does not exist, is in the trash, or this identity cannot see it. ` +
        `Check spaceId (and that the GenieSpace it comes from is deployed). [${(err as Error).message}]`,
    );
  }
  if (isPermissionDenied(err)) {
    return new Error(
      `the identity Pulumi runs as lacks CAN_MANAGE on Genie space ${spaceId}, which managing its permissions needs ` +
        `(it was removed, e.g. in the UI or with keepManagerAccess: false). Ask a workspace admin or a manager of the space to grant it back. [${(err as Error).message}]`,
    );
  }
  return err;
}

// ---------------------------------------------------------------------------------------------- CRUD

/**
 * Revokes direct grants. PATCH cannot remove a grant, so this PUTs the current direct grants
 * without the revoked principals (and with `granted` set, to grant in the same request).
 */
function revokeGrants(
  c: GenieClient,
  spaceId: string,
  direct: ReadonlyMap<string, GeniePermissionLevel>,
  revoked: readonly string[],
  granted: ReadonlyMap<string, GeniePermissionLevel> = new Map(),
): Promise<SpacePermissionsRecord> {
  const next = new Map(direct);
  for (const k of revoked) next.delete(k);
  for (const [k, level] of granted) next.set(k, level);
  return c.setPermissions(spaceId, accessControlRequests(next));
}

/** Brings the space's direct grants to `spec`: one PUT (authoritative) or a PATCH / revoking PUT (additive). */
async function apply(
  c: GenieClient,
  spec: PermissionsSpec,
  manager: string | undefined,
  previouslyDeclared: Iterable<string>,
): Promise<SpacePermissionsRecord> {
  const desired = desiredGrants(spec, manager);
  if (spec.mode === "authoritative") return c.setPermissions(spec.spaceId, accessControlRequests(desired));

  const current = await c.getPermissions(spec.spaceId);
  const direct = directGrants(current);
  const kept = spec.keepManagerAccess ? manager : undefined;
  const revoke = [...previouslyDeclared].filter((k) => !desired.has(k) && k !== kept && direct.has(k));
  if (revoke.length > 0) return revokeGrants(c, spec.spaceId, direct, revoke, desired);
  const changed = new Map([...desired].filter(([k, level]) => direct.get(k) !== level));
  if (changed.size === 0) return current;
  return c.updatePermissions(spec.spaceId, accessControlRequests(changed));
}

async function create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const spec = inputs as unknown as PermissionsSpec;
  const c = client();
  const manager = spec.keepManagerAccess ? await callerKey(c) : undefined;
  warnDeclaredManager(spec, manager);
  let record: SpacePermissionsRecord;
  try {
    record = await apply(c, spec, manager, []);
  } catch (err) {
    throw withHint(err, spec.spaceId);
  }
  return { id: spec.spaceId, outs: toState(record, spec, manager, c.host) };
}

async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const state = props as unknown as PermissionsState;
  const c = client();
  assertSameWorkspace(props, c);
  let record: SpacePermissionsRecord;
  try {
    record = await c.getPermissions(state.spaceId);
  } catch (err) {
    // Only a definite not-found (the space is gone or trashed) means the grants are gone; a 401,
    // 403 or 5xx fails the refresh so nothing is dropped from state by mistake.
    if (isNotFound(err)) return {};
    throw withHint(err, state.spaceId);
  }
  const manager = managerOf(state);
  const declared = toMap(state.accessControls);
  const observed = managedFrom(record, scopeFilter(state.mode, declared.keys(), manager));
  if (sameGrants(observed, toMap(state.managedGrants))) {
    // Nothing changed outside: exactly what state holds, so `refresh --expect-no-changes` is quiet.
    return { id, props: state as unknown as Record<string, unknown>, inputs: specOf(state) as unknown as Record<string, unknown> };
  }
  // What a program declaring today's grants would say: the kept manager's own CAN_MANAGE is
  // implicit unless the program names it.
  const equivalent = new Map(observed);
  if (manager !== undefined && !declared.has(manager) && equivalent.get(manager) === "CAN_MANAGE") equivalent.delete(manager);
  const fresh: PermissionsState = { ...state, accessControls: toList(equivalent), managedGrants: toList(observed) };
  if (typeof record.object_id === "string") fresh.objectId = record.object_id;
  return { id, props: fresh as unknown as Record<string, unknown>, inputs: specOf(fresh) as unknown as Record<string, unknown> };
}

async function update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const state = olds as unknown as PermissionsState;
  const spec = news as unknown as PermissionsSpec;
  const c = client();
  assertSameWorkspace(olds, c);
  const manager = spec.keepManagerAccess ? await callerKey(c) : undefined;
  warnDeclaredManager(spec, manager);
  let record: SpacePermissionsRecord;
  try {
    record = await apply(c, spec, manager, toMap(state.accessControls).keys());
  } catch (err) {
    throw withHint(err, spec.spaceId);
  }
  return { outs: toState(record, spec, manager, c.host) };
}

/**
 * authoritative: the space goes back to just the caller's CAN_MANAGE (what a new space has);
 * additive: the declared grants are revoked, everything else stays. A space already gone is success.
 */
async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
  const state = props as unknown as PermissionsState;
  const c = client();
  assertSameWorkspace(props, c);
  try {
    if (state.mode === "authoritative") {
      const me = await callerKey(c);
      await c.setPermissions(state.spaceId, accessControlRequests(new Map([[me, "CAN_MANAGE" as const]])));
      console.log(`Genie space ${state.spaceId}: direct grants reset to CAN_MANAGE for ${describeKey(me)} only.`);
      return;
    }
    const current = await c.getPermissions(state.spaceId);
    const direct = directGrants(current);
    const kept = state.keepManagerAccess ? managerOf(state) : undefined;
    const revoke = [...toMap(state.accessControls).keys()].filter((k) => k !== kept && direct.has(k));
    if (revoke.length === 0) return;
    await revokeGrants(c, state.spaceId, direct, revoke);
    console.log(`Genie space ${state.spaceId}: revoked ${revoke.map(describeKey).join(", ")}.`);
  } catch (err) {
    if (isNotFound(err)) {
      console.log(`Genie space ${state.spaceId} is gone; its permissions went with it.`);
      return;
    }
    throw withHint(err, state.spaceId);
  }
}

/** The methods the shim calls. */
export const genieSpacePermissions = {
  configure: configureProvider,
  async check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
    const result = check(olds, news);
    if (result.failures.length === 0) await announceManager(result.inputs as unknown as PermissionsSpec);
    return result;
  },
  diff: (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => Promise.resolve().then(() => diff(id, olds, news)),
  create,
  read,
  update,
  delete: remove,
};

/** @internal pure parts, for tests */
export const permissionsInternals = { check, desiredGrants, scopeFilter, keyOfSpec, principalOfKey };
