/**
 * The one ACL store of an emulated workspace: the principal registry (users, groups, service
 * principals), direct grants per space, grants inherited from the parent folders and the workspace
 * root, and per-credential overrides (`handle.spaces.setPermission`). It also answers the
 * Databricks permissions API for Genie spaces (`/api/2.0/permissions/genie/{space_id}`,
 * docs/genie-api.md §1 "ACLs") with the realistic validation errors.
 *
 * Who reads what:
 * - The spaces endpoints (space-store.ts) ask `credentialLevel`: the override set for the calling
 *   credential, else CAN_MANAGE. They do not follow the grants, so every scenario written against
 *   the per-credential model keeps its meaning.
 * - The permissions endpoints authorize with the override when one is set for the space, else
 *   with the caller's effective level from the grants (direct, group, inherited). So a token set
 *   to CAN_RUN with `setPermission` gets 403 there too, and a caller that removed its own
 *   CAN_MANAGE through PUT is locked out of the permissions endpoints — but, unlike the real
 *   service, not out of the spaces endpoints.
 */
import { ApiError, invalidParameter, notFound } from "./api-error";
import { ACL_LEVELS, type AclLevel, type PermissionLevel, atLeast, higher, isAclLevel } from "./levels";
import type { PrincipalRef, PrincipalRegistryOptions, SpaceAclView } from "./types";

/** Every workspace has these two groups; `admins` inherits CAN_MANAGE from the workspace root. */
const ADMINS = "admins";
const ALL_USERS = "users";
/** How the workspace root appears in `inherited_from_object`. */
const ROOT_OBJECT = "/directories/";

type Kind = "user" | "group" | "sp";
/** "user:alice@example.com", "group:analysts", "sp:<application id>". */
type Key = string;

const FIELD: Record<Kind, "user_name" | "group_name" | "service_principal_name"> = {
  user: "user_name",
  group: "group_name",
  sp: "service_principal_name",
};
/** How the real API names a principal in its "does not exist" message. */
const ERROR_NAME: Record<Kind, string> = { user: "UserName", group: "GroupName", sp: "ServicePrincipalName" };

function keyOf(kind: Kind, name: string): Key {
  return `${kind}:${name}`;
}

function splitKey(key: Key): { kind: Kind; name: string } {
  const i = key.indexOf(":");
  return { kind: key.slice(0, i) as Kind, name: key.slice(i + 1) };
}

/** A hook-side principal reference (`{ userName }` …) as a key. */
export function principalKey(ref: PrincipalRef): Key {
  const r = ref as Partial<Record<"userName" | "groupName" | "servicePrincipalName", string>>;
  const given = [
    r.userName !== undefined ? keyOf("user", r.userName) : undefined,
    r.groupName !== undefined ? keyOf("group", r.groupName) : undefined,
    r.servicePrincipalName !== undefined ? keyOf("sp", r.servicePrincipalName) : undefined,
  ].filter((k): k is string => k !== undefined);
  if (given.length !== 1) throw new TypeError("a principal is exactly one of { userName }, { groupName } or { servicePrincipalName }");
  return given[0];
}

function refOf(key: Key): PrincipalRef {
  const { kind, name } = splitKey(key);
  if (kind === "user") return { userName: name };
  if (kind === "group") return { groupName: name };
  return { servicePrincipalName: name };
}

/** "Alice Smith" from "alice.smith@example.com", the way workspace users usually show up. */
function displayNameOf(userName: string): string {
  const local = userName.split("@")[0];
  return local
    .split(/[._-]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join(" ");
}

export interface PermissionsSettings {
  /** The user every PAT acts as (EmulatorOptions.user). */
  user: string;
  /** OAuth client ids: each is a service principal (application id). */
  oauthClientIds: string[];
  principals?: PrincipalRegistryOptions;
}

/** What the permissions model needs to know about a space. */
export interface SpaceFacts {
  parentPath: string;
  trashed: boolean;
}

/** The caller of a request: the credential (for the per-token model) and who it acts as. */
export interface PermissionsCaller {
  /** The PAT, or the OAuth client id (what `spaces.setPermission` is keyed by). */
  credential: string;
  identity: PrincipalRef;
}

type AclView = SpaceAclView;
type AclEntryView = SpaceAclView["access_control_list"][number];

const KIND_ORDER: Record<Kind, number> = { user: 0, group: 1, sp: 2 };

function byPrincipal(a: Key, b: Key): number {
  const ka = splitKey(a);
  const kb = splitKey(b);
  return KIND_ORDER[ka.kind] - KIND_ORDER[kb.kind] || (ka.name < kb.name ? -1 : ka.name > kb.name ? 1 : 0);
}

export class AclStore {
  private users = new Set<string>();
  private servicePrincipals = new Set<string>();
  /** group → member keys (users, service principals or groups). */
  private groups = new Map<string, Set<Key>>();
  /** space id → principal → direct level. */
  private direct = new Map<string, Map<Key, AclLevel>>();
  /** folder path (without /Workspace) → principal → level granted on the folder. */
  private folderGrants = new Map<string, Map<Key, AclLevel>>();
  private folderIds = new Map<string, string>();
  /** Per-credential overrides (spaces.setPermission): space id → credential → level. */
  private credentialLevels = new Map<string, Map<string, PermissionLevel>>();

  constructor(
    private readonly settings: () => PermissionsSettings,
    private readonly spaceFacts: (spaceId: string) => SpaceFacts | undefined,
  ) {
    this.reset();
  }

  reset(): void {
    const s = this.settings();
    this.users = new Set();
    this.servicePrincipals = new Set();
    this.groups = new Map();
    this.direct = new Map();
    this.folderGrants = new Map();
    this.folderIds = new Map();
    this.credentialLevels = new Map();
    const p = s.principals;
    const users = p?.users ?? ["alice@example.com", "bob.smith@example.com", "carol@example.com"];
    const groups = p?.groups ?? {
      admins: ["admin@example.com"],
      analysts: ["alice@example.com"],
      "data-engineers": ["carol@example.com"],
    };
    this.groups.set(ADMINS, new Set());
    this.groups.set(ALL_USERS, new Set());
    for (const u of [s.user, ...users]) this.addUser(u);
    for (const id of [...s.oauthClientIds, ...(p?.servicePrincipals ?? [])]) this.addServicePrincipal(id);
    for (const [group, members] of Object.entries(groups)) this.addGroup(group, members);
  }

  // ---- principal registry ----------------------------------------------------------------------

  /** Registers a user (also a member of the built-in `users` group). */
  addUser(userName: string): void {
    this.users.add(userName);
    this.groups.get(ALL_USERS)?.add(keyOf("user", userName));
  }

  addServicePrincipal(applicationId: string): void {
    this.servicePrincipals.add(applicationId);
  }

  /**
   * Registers a group (or adds members to it). Members are user names, or `sp:<application id>` /
   * `group:<name>` for the other kinds; unknown users are registered.
   */
  addGroup(name: string, members: string[] = []): void {
    let set = this.groups.get(name);
    if (!set) this.groups.set(name, (set = new Set()));
    for (const m of members) {
      if (m.startsWith("group:") || m.startsWith("sp:")) set.add(m);
      else {
        this.addUser(m.startsWith("user:") ? m.slice(5) : m);
        set.add(keyOf("user", m.startsWith("user:") ? m.slice(5) : m));
      }
    }
  }

  private exists(key: Key): boolean {
    const { kind, name } = splitKey(key);
    if (kind === "user") return this.users.has(name);
    if (kind === "group") return this.groups.has(name);
    return this.servicePrincipals.has(name);
  }

  /** The groups a principal belongs to, transitively. */
  private groupsOf(key: Key): Set<string> {
    const found = new Set<string>();
    let frontier = [key];
    while (frontier.length > 0) {
      const next: Key[] = [];
      for (const [group, members] of this.groups) {
        if (found.has(group)) continue;
        if (frontier.some((k) => members.has(k))) {
          found.add(group);
          next.push(keyOf("group", group));
        }
      }
      frontier = next;
    }
    return found;
  }

  // ---- grants ----------------------------------------------------------------------------------

  /** A new space: its creator gets a direct CAN_MANAGE (as in the workspace). */
  spaceCreated(spaceId: string, creator: PrincipalRef): void {
    this.direct.set(spaceId, new Map([[principalKey(creator), "CAN_MANAGE"]]));
  }

  private directOf(spaceId: string): Map<Key, AclLevel> {
    let m = this.direct.get(spaceId);
    if (!m) this.direct.set(spaceId, (m = new Map()));
    return m;
  }

  private folderId(path: string): string {
    let id = this.folderIds.get(path);
    if (!id) {
      // Workspace object ids are large decimal numbers; deterministic per emulator run.
      id = String(1_000_000_000_000_000 + this.folderIds.size + 1);
      this.folderIds.set(path, id);
    }
    return id;
  }

  /** Folder grant (the folder's own ACL); `null` removes it. Spaces under the folder inherit it. */
  setFolderGrant(folder: string, principal: PrincipalRef, level: AclLevel | null): void {
    const path = normalizeFolder(folder);
    const key = principalKey(principal);
    this.requirePrincipal(key);
    let m = this.folderGrants.get(path);
    if (!m) this.folderGrants.set(path, (m = new Map()));
    if (level === null) m.delete(key);
    else m.set(key, checkLevel(level));
  }

  /** A grant made by someone in the Genie UI ("Share"). */
  uiGrant(spaceId: string, principal: PrincipalRef, level: AclLevel): void {
    this.liveSpace(spaceId);
    const key = principalKey(principal);
    this.requirePrincipal(key);
    this.directOf(spaceId).set(key, checkLevel(level));
  }

  /** A direct grant removed in the UI. */
  uiRevoke(spaceId: string, principal: PrincipalRef): void {
    this.liveSpace(spaceId);
    this.directOf(spaceId).delete(principalKey(principal));
  }

  /** Direct grants of a space, sorted (test view). */
  directGrants(spaceId: string): { principal: PrincipalRef; level: AclLevel }[] {
    return [...(this.direct.get(spaceId) ?? new Map<Key, AclLevel>()).entries()]
      .sort(([a], [b]) => byPrincipal(a, b))
      .map(([k, level]) => ({ principal: refOf(k), level }));
  }

  /** `spaces.setPermission`: what one credential (a PAT, or an OAuth client id) may do with a space. */
  setCredentialLevel(spaceId: string, credential: string, level: PermissionLevel): void {
    let m = this.credentialLevels.get(spaceId);
    if (!m) this.credentialLevels.set(spaceId, (m = new Map()));
    m.set(credential, level);
  }

  /** The override set for a credential on a space, if any (the spaces endpoints' whole model). */
  credentialLevel(spaceId: string, credential: string): PermissionLevel | undefined {
    return this.credentialLevels.get(spaceId)?.get(credential);
  }

  // ---- effective levels ------------------------------------------------------------------------

  /** Folders from the root down to `parentPath` (each inherits to what is below it). */
  private ancestors(parentPath: string): string[] {
    const parts = normalizeFolder(parentPath).split("/").filter(Boolean);
    const out: string[] = [];
    let current = "";
    for (const part of parts) {
      current += `/${part}`;
      out.push(current);
    }
    return out;
  }

  /** Inherited grants of one space: principal → [(level, from)]; admins always CAN_MANAGE from the root. */
  private inherited(facts: SpaceFacts): Map<Key, { level: AclLevel; from: string }[]> {
    const out = new Map<Key, { level: AclLevel; from: string }[]>();
    const add = (key: Key, level: AclLevel, from: string) => {
      const list = out.get(key) ?? [];
      const same = list.find((x) => x.level === level);
      if (!same) list.push({ level, from });
      out.set(key, list);
    };
    add(keyOf("group", ADMINS), "CAN_MANAGE", ROOT_OBJECT);
    for (const folder of this.ancestors(facts.parentPath)) {
      for (const [key, level] of this.folderGrants.get(folder) ?? []) add(key, level, `/directories/${this.folderId(folder)}`);
    }
    return out;
  }

  /** The caller's level from the ACL: the best of its own and its groups' direct and inherited grants. */
  private aclLevel(spaceId: string, facts: SpaceFacts, identity: PrincipalRef): PermissionLevel {
    const me = principalKey(identity);
    const keys = [me, ...[...this.groupsOf(me)].map((g) => keyOf("group", g))];
    let best: PermissionLevel = "NONE";
    const consider = (level: PermissionLevel) => {
      best = higher(best, level);
    };
    const direct = this.direct.get(spaceId);
    const inherited = this.inherited(facts);
    for (const k of keys) {
      const d = direct?.get(k);
      if (d) consider(d);
      for (const i of inherited.get(k) ?? []) consider(i.level);
    }
    return best;
  }

  /** Effective level for the permissions endpoints: the per-token override if set, else the ACL. */
  private callerLevel(spaceId: string, facts: SpaceFacts, caller: PermissionsCaller): PermissionLevel {
    const override = this.credentialLevel(spaceId, caller.credential);
    return override ?? this.aclLevel(spaceId, facts, caller.identity);
  }

  // ---- the API ---------------------------------------------------------------------------------

  private liveSpace(spaceId: string): SpaceFacts {
    const facts = this.spaceFacts(spaceId);
    // A trashed space has no permissions object any more (docs/genie-api.md §1.6).
    if (!facts || facts.trashed) throw notFound(`Genie space ${spaceId} does not exist.`);
    return facts;
  }

  private authorize(spaceId: string, caller: PermissionsCaller): SpaceFacts {
    const facts = this.liveSpace(spaceId);
    const level = this.callerLevel(spaceId, facts, caller);
    // No access at all looks like a missing object (docs/genie-api.md §3), as on the spaces endpoints.
    if (level === "NONE" && this.credentialLevel(spaceId, caller.credential) === "NONE") {
      throw notFound(`Genie space ${spaceId} does not exist.`);
    }
    if (!atLeast(level, "CAN_MANAGE")) {
      throw new ApiError(403, "PERMISSION_DENIED", `User does not have CAN_MANAGE permission on genie object ${spaceId}.`);
    }
    return facts;
  }

  /** GET /api/2.0/permissions/genie/{id} */
  get(spaceId: string, caller: PermissionsCaller): AclView {
    const facts = this.authorize(spaceId, caller);
    return this.view(spaceId, facts);
  }

  /** PUT: the list becomes the whole set of direct grants (inherited ones stay). */
  replace(spaceId: string, body: Record<string, unknown>, caller: PermissionsCaller): AclView {
    const facts = this.authorize(spaceId, caller);
    const grants = this.parseList(body);
    this.direct.set(spaceId, grants);
    return this.view(spaceId, facts);
  }

  /** PATCH: adds the grants, or sets the level of principals that already have one. */
  update(spaceId: string, body: Record<string, unknown>, caller: PermissionsCaller): AclView {
    const facts = this.authorize(spaceId, caller);
    const grants = this.parseList(body);
    const direct = this.directOf(spaceId);
    for (const [k, level] of grants) direct.set(k, level);
    return this.view(spaceId, facts);
  }

  /** The GET body for a space (also the hook `permissions.get`). */
  view(spaceId: string, facts: SpaceFacts | undefined = this.spaceFacts(spaceId)): AclView {
    if (!facts) throw notFound(`Genie space ${spaceId} does not exist.`);
    const direct = this.direct.get(spaceId) ?? new Map<Key, AclLevel>();
    const inherited = this.inherited(facts);
    const keys = [...new Set([...direct.keys(), ...inherited.keys()])].sort(byPrincipal);
    const list = keys.map((key): AclEntryView => {
      const { kind, name } = splitKey(key);
      const entry: AclEntryView = { [FIELD[kind]]: name, all_permissions: [] } as AclEntryView;
      if (kind === "user") entry.display_name = displayNameOf(name);
      if (kind === "sp") entry.display_name = `Service principal ${name}`;
      const d = direct.get(key);
      if (d) entry.all_permissions.push({ permission_level: d, inherited: false });
      for (const i of inherited.get(key) ?? []) {
        entry.all_permissions.push({ permission_level: i.level, inherited: true, inherited_from_object: [i.from] });
      }
      return entry;
    });
    return { object_id: `/genie/${spaceId}`, object_type: "genie", access_control_list: list };
  }

  private requirePrincipal(key: Key): void {
    if (!this.exists(key)) {
      const { kind, name } = splitKey(key);
      throw invalidParameter(`Principal: ${ERROR_NAME[kind]}(${name}) does not exist`);
    }
  }

  /** Validates a whole request list before anything changes (the API is all-or-nothing). */
  private parseList(body: Record<string, unknown>): Map<Key, AclLevel> {
    const raw = body.access_control_list;
    if (raw === undefined || raw === null) return new Map();
    if (!Array.isArray(raw)) throw invalidParameter("Invalid value for access_control_list: expected an array");
    const out = new Map<Key, AclLevel>();
    for (const item of raw) {
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        throw invalidParameter("Invalid value for access_control_list: each entry must be an object");
      }
      const e = item as Record<string, unknown>;
      const named = (["user", "group", "sp"] as Kind[]).filter((k) => e[FIELD[k]] !== undefined && e[FIELD[k]] !== null && e[FIELD[k]] !== "");
      if (named.length !== 1) {
        throw invalidParameter("Exactly one of user_name, group_name or service_principal_name must be set in each access control entry");
      }
      const kind = named[0];
      const name = e[FIELD[kind]];
      if (typeof name !== "string") throw invalidParameter(`Invalid value for ${FIELD[kind]}: expected a string`);
      const level = e.permission_level;
      if (level === undefined || level === null || level === "") throw invalidParameter("Missing required field: permission_level");
      if (!isAclLevel(level)) throw unsupportedLevel(level);
      const key = keyOf(kind, name);
      this.requirePrincipal(key);
      // The same principal twice: the higher level wins, as the service merges duplicate entries.
      const prev = out.get(key);
      out.set(key, prev ? higher(prev, level) : level);
    }
    return out;
  }
}

const unsupportedLevel = (level: unknown) =>
  invalidParameter(`Permission level ${String(level)} is not supported for genie objects. Supported levels: ${ACL_LEVELS.join(", ")}`);

function checkLevel(level: AclLevel): AclLevel {
  if (!isAclLevel(level)) throw unsupportedLevel(level);
  return level;
}

function normalizeFolder(path: string): string {
  let p = path.trim();
  if (p === "/Workspace" || p.startsWith("/Workspace/")) p = p.slice("/Workspace".length) || "/";
  if (p.length > 1) p = p.replace(/\/+$/, "");
  return p || "/";
}
