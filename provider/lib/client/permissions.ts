// The Databricks permissions API for Genie spaces (docs/genie-api.md §1 "ACLs":
// `GET|PUT|PATCH /api/2.0/permissions/genie/{space_id}`) and SCIM `/Me` (who the caller is).
// The requests go through GenieClient's own call machinery (rate limit, retries, error
// classification, redaction); this module holds the paths, the shapes and the pure helpers.

/**
 * The levels Genie spaces accept, lowest first (the UI's "Can view" is CAN_READ). The library's one
 * list: the level type, the ranking and every message that names the levels derive from it.
 */
export const GENIE_PERMISSION_LEVELS = ["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"] as const;

export type GeniePermissionLevel = (typeof GENIE_PERMISSION_LEVELS)[number];

/** One principal, named the API's way: exactly one of the three fields. */
export interface AclPrincipal {
  user_name?: string;
  group_name?: string;
  /** A service principal's application id. */
  service_principal_name?: string;
}

/** A PUT/PATCH entry. */
export interface AccessControlRequest extends AclPrincipal {
  permission_level: GeniePermissionLevel;
}

export interface PermissionGrant {
  permission_level: string;
  inherited?: boolean;
  /** e.g. ["/directories/1234"] for a grant inherited from a folder. */
  inherited_from_object?: string[];
}

/** A GET entry: one principal with its direct and inherited levels. */
export interface AccessControlResponse extends AclPrincipal {
  display_name?: string;
  all_permissions?: PermissionGrant[];
}

export interface SpacePermissionsRecord {
  object_id?: string;
  object_type?: string;
  access_control_list?: AccessControlResponse[];
}

/** SCIM `/Me`: a user's `userName`, or a service principal's application id. */
export interface CurrentUserRecord {
  id?: string;
  userName?: string;
  displayName?: string;
  applicationId?: string;
}

export const PERMISSIONS_PATH = "/api/2.0/permissions/genie";
export const CURRENT_USER_PATH = "/api/2.0/preview/scim/v2/Me";

export function permissionsPath(spaceId: string): string {
  return `${PERMISSIONS_PATH}/${encodeURIComponent(spaceId)}`;
}

export function isGeniePermissionLevel(value: unknown): value is GeniePermissionLevel {
  return typeof value === "string" && (GENIE_PERMISSION_LEVELS as readonly string[]).includes(value);
}

/** `a` ranks above `b`, in the order of {@link GENIE_PERMISSION_LEVELS}. */
export function levelAbove(a: GeniePermissionLevel, b: GeniePermissionLevel): boolean {
  return GENIE_PERMISSION_LEVELS.indexOf(a) > GENIE_PERMISSION_LEVELS.indexOf(b);
}

// ---- principal keys: the one vocabulary for naming a principal in maps and sets -------------

/** The three kinds of principal a Genie ACL names. */
export type PrincipalKind = "user" | "group" | "servicePrincipal";

/** The API field that names each kind (exactly one per ACL entry). */
const API_FIELD: Readonly<Record<PrincipalKind, keyof AclPrincipal>> = {
  user: "user_name",
  group: "group_name",
  servicePrincipal: "service_principal_name",
};
const PRINCIPAL_KINDS = Object.keys(API_FIELD) as PrincipalKind[];

function isPrincipalKind(value: string): value is PrincipalKind {
  return (PRINCIPAL_KINDS as string[]).includes(value);
}

/** "user:<name>", "group:<name>" or "servicePrincipal:<app id>". */
export function principalKey(kind: PrincipalKind, name: string): string {
  return `${kind}:${name}`;
}

/**
 * The kind and name of a key made by {@link principalKey}. An unknown kind is an error, never a
 * guess: granting to the wrong kind of principal would give access to someone else.
 */
export function parsePrincipalKey(key: string): { kind: PrincipalKind; name: string } {
  const i = key.indexOf(":");
  const kind = i > 0 ? key.slice(0, i) : "";
  if (!isPrincipalKind(kind)) throw new TypeError(`not a principal key: ${key}`);
  return { kind, name: key.slice(i + 1) };
}

/** "user alice@example.com", "service principal <app id>", for messages. */
export function describePrincipalKey(key: string): string {
  const { kind, name } = parsePrincipalKey(key);
  return `${kind === "servicePrincipal" ? "service principal" : kind} ${name}`;
}

/** Grants in a stable order (by principal key), so requests and state compare equal however they were built. */
export function sortedByPrincipal<T>(grants: ReadonlyMap<string, T>): [string, T][] {
  return [...grants.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The key of an API principal; undefined when the entry names none (or more than one). */
export function aclPrincipalKey(p: AclPrincipal): string | undefined {
  const named = PRINCIPAL_KINDS.filter((kind) => p[API_FIELD[kind]]).map((kind) => principalKey(kind, p[API_FIELD[kind]] as string));
  return named.length === 1 ? named[0] : undefined;
}

/** The API principal for a key made by {@link principalKey}. */
export function aclPrincipalOf(key: string): AclPrincipal {
  const { kind, name } = parsePrincipalKey(key);
  return { [API_FIELD[kind]]: name };
}

/**
 * The direct (non-inherited) grants of an ACL, principal key → level. Inherited grants (from the
 * folder or the workspace root) are not the space's own and are never drift.
 */
export function directGrants(record: SpacePermissionsRecord): Map<string, GeniePermissionLevel> {
  const out = new Map<string, GeniePermissionLevel>();
  for (const entry of record.access_control_list ?? []) {
    const key = aclPrincipalKey(entry);
    if (key === undefined) continue;
    for (const p of entry.all_permissions ?? []) {
      if (p.inherited === true || !isGeniePermissionLevel(p.permission_level)) continue;
      const prev = out.get(key);
      if (!prev || levelAbove(p.permission_level, prev)) out.set(key, p.permission_level);
    }
  }
  return out;
}

/** The principal key of the caller from SCIM `/Me` (a service principal when it has an application id). */
export function currentPrincipalKey(me: CurrentUserRecord): string | undefined {
  if (me.applicationId) return principalKey("servicePrincipal", me.applicationId);
  if (!me.userName) return undefined;
  // Service principals answer with their application id (a UUID) as userName.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(me.userName)) return principalKey("servicePrincipal", me.userName);
  return principalKey("user", me.userName);
}

/** The request list for a map of grants, in a stable order. */
export function accessControlRequests(grants: ReadonlyMap<string, GeniePermissionLevel>): AccessControlRequest[] {
  return sortedByPrincipal(grants).map(([key, level]) => ({ ...aclPrincipalOf(key), permission_level: level }));
}

/** What one permissions request sends (GenieClient adds auth, retries and error handling). */
export function permissionsRequest(
  method: "GET" | "PUT" | "PATCH",
  spaceId: string,
  acl?: readonly AccessControlRequest[],
): { path: string; label: string; body?: { access_control_list: AccessControlRequest[] } } {
  if (typeof spaceId !== "string" || spaceId.trim() === "") throw new TypeError("spaceId must be a non-empty string");
  const out: { path: string; label: string; body?: { access_control_list: AccessControlRequest[] } } = {
    path: permissionsPath(spaceId),
    label: `${spaceId} (permissions)`,
  };
  if (method !== "GET") out.body = { access_control_list: [...(acl ?? [])] };
  return out;
}
