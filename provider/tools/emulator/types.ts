/** Public types of the Genie emulator (see docs/genie-api.md §7 for the behaviors they control). */
import type { AclLevel, PermissionLevel } from "./levels";

export type { AclLevel, PermissionLevel };

export type FaultKind =
  | "429"
  | "429-no-retry-after"
  | "503"
  | "500"
  | "502"
  | "504"
  | "html"
  | "reset"
  | "reset-after-commit"
  | "slow-commit"
  | "commit-then-hang"
  | "latency"
  | "400";

export interface FaultRule {
  /** HTTP method to match, e.g. "POST"; default any. */
  method?: string;
  /** Matched against the request path without its query string; default any. */
  path?: string | RegExp;
  kind: FaultKind;
  /** 0..1, default 1. */
  probability?: number;
  /** Apply at most N times (default unlimited). */
  times?: number;
  /** For "429": value of the Retry-After header in seconds (default 1). */
  retryAfterSeconds?: number;
  /** For "latency": extra delay in milliseconds. */
  latencyMs?: number;
  /** Only requests whose raw body contains this text (e.g. a title), so one of several creates can be hit. */
  bodyContains?: string;
  /** For "400": the error message (default a generic INVALID_PARAMETER_VALUE message). */
  message?: string;
  /** For "html": HTTP status of the HTML answer (default 502). */
  status?: number;
  /**
   * For "slow-commit" and "commit-then-hang": milliseconds after the request arrived at which it
   * takes effect (a create becomes visible to GET and list); default 0.
   */
  commitMs?: number;
  /**
   * For "slow-commit" (required): milliseconds after the request arrived at which the answer is
   * sent, at least `commitMs`. A client whose timeout is shorter gives up, yet the request still
   * takes effect at `commitMs`. ("commit-then-hang" never answers; the client's timeout must fire.)
   */
  answerMs?: number;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface EmulatorOptions {
  /** Port to listen on (127.0.0.1); default 0 = random free port. */
  port?: number;
  /** The personal access token accepted; default: generated "dapi" + 32 hex. */
  token?: string;
  /** Extra valid personal access tokens. */
  tokens?: string[];
  /** Service principals accepted by POST /oidc/v1/token. */
  oauthClients?: OAuthClient[];
  /** expires_in of issued OAuth tokens (default 3600); issued tokens really expire. */
  accessTokenTtlSeconds?: number;
  /** Caller user name (default "dev@example.com"); default parent_path is /Users/<user>. */
  user?: string;
  /** Strict serialized_space validation (default true); false stores anything JSON-ish. */
  strict?: boolean;
  /**
   * Also enforce the lower-confidence rules of docs/genie-api.md §2 (default false):
   * entity matching requires format assistance, join_spec sql needs a `--rt=…--` element,
   * table / metric view / function identifiers must be 3-part names.
   */
  optionalRules?: boolean;
  /** Added to every request, in milliseconds. */
  latencyMs?: number;
  /** Server-side request rate limit (requests/second, token bucket) → 429 REQUEST_LIMIT_EXCEEDED. */
  rateLimit?: number;
  /** Async trash: GET keeps returning the space this long after DELETE (default 0). */
  trashDelayMs?: number;
  /** Read-after-write lag for title/description/warehouse_id (default 0). */
  readLagMs?: number;
  /** Same title in the same folder → append " YYYY-MM-DD HH:MM:SS" (default true). */
  titleDedup?: boolean;
  /** Title given to a space created without one (default "Untitled"). */
  defaultTitle?: string;
  /** Existing workspace folders (default "/Users/<user>" and "/Shared"). */
  folders?: string[];
  /** Missing parent folder: 404 RESOURCE_DOES_NOT_EXIST ("modern", default) or legacy 400. */
  missingFolderStyle?: "modern" | "legacy";
  /** page_size above 100: 400 ("reject", default) or treated as 100 ("clamp"). */
  pageSizeOver100?: "reject" | "clamp";
  /** Status for DELETE of an already-trashed space (default 404). */
  secondDelete?: 404 | 403;
  /**
   * Unity Catalog fixture: when set, every table / metric view a serialized_space references must
   * be listed here, else 403 PERMISSION_DENIED (docs/genie-api.md §5.10: "Creating with tables that
   * don't exist → 403"). Unset (default): no check.
   */
  catalog?: string[];
  faults?: FaultRule[];
  /**
   * Who exists in the workspace, for the permissions API (unknown principals → 400). The caller
   * (`user`) and every OAuth client id (as a service principal) are always registered; the built-in
   * groups `admins` (CAN_MANAGE on everything, inherited from the workspace root) and `users` always
   * exist. Defaults (each list given here replaces its default): users alice@example.com,
   * bob.smith@example.com, carol@example.com; groups admins [admin@example.com], analysts [alice@…],
   * data-engineers [carol@…]; no extra service principals.
   */
  principals?: PrincipalRegistryOptions;
  /**
   * Extra workspaces served by the same emulator (docs/genie-api.md §7 "store keyed by workspace
   * (token → workspace)"). The top-level `token`/`tokens`/`oauthClients`/`user`/`folders`/
   * `principals`/`catalog` describe the workspace named "default". A request sees only the
   * spaces, folders, ACLs, SQL tables and caller user of the workspace its credential belongs to.
   * Tokens and OAuth client ids must be distinct across workspaces.
   */
  workspaces?: WorkspaceOptions[];
  /**
   * docs/genie-api.md §2.3/§2.6 (low confidence): the server replaces every item id in
   * serialized_space with fresh ids on create/update, keeping uniqueness and the id sort orders.
   * A write whose body differs only in ids is then no change (etag kept). Default false.
   */
  reassignIds?: boolean;
  /**
   * Whether create/update answers carry `serialized_space` and `etag` (default true, as the CLI's
   * test server does). The real answer is not confirmed to (the Terraform PR re-reads after
   * writing), so clients must cope with false.
   */
  bodyInWriteAnswers?: boolean;
  /** Whether spaces carry `create_time`/`update_time` (default true; older backends omit them, docs/genie-api.md §1.1). */
  timestamps?: boolean;
  /**
   * Largest request body accepted, in bytes (default 16 MiB, far above any valid serialized_space);
   * a larger one → 413 REQUEST_ENTITY_TOO_LARGE, read no further. Bodies of requests that carry no
   * credential (the OAuth token endpoint) are capped at 64 KiB or this, whichever is smaller.
   */
  maxBodyBytes?: number;
  /** Human request log ("METHOD path status ms"); never receives tokens or secrets. */
  log?: (line: string) => void;
}

/** One extra workspace of a multi-workspace emulator. */
export interface WorkspaceOptions {
  /** Letters, digits, "-" and "_"; "default" is the top-level workspace and cannot be reused. */
  name: string;
  /** Personal access tokens of this workspace; default: one generated "dapi…" token. */
  tokens?: string[];
  /** OAuth M2M clients whose issued tokens belong to this workspace. */
  oauthClients?: OAuthClient[];
  /** Caller user of this workspace's PATs (default "dev@example.com"). */
  user?: string;
  /** Existing folders (default "/Users/<user>" and "/Shared"). */
  folders?: string[];
  /** Principal registry of this workspace (same defaults as the top-level option). */
  principals?: PrincipalRegistryOptions;
  /** Unity Catalog fixture of this workspace (unset: no table check). */
  catalog?: string[];
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: Record<string, string>;
  /**
   * Parsed JSON or form body (client_secret redacted); undefined when there was none or it was
   * never read (refused first: 401 for the credential, 413 for the size).
   */
  body: unknown;
  /**
   * HTTP status sent; 0 when none was: the connection was reset, a "commit-then-hang" fault held it,
   * or the client gave up before the answer was due.
   */
  status: number;
  /** Arrival time, epoch milliseconds. */
  time: number;
  /** Request id sent in x-request-id. */
  requestId: string;
  /** Fault kind applied to this request, if any. */
  fault?: FaultKind;
  /**
   * The workspace the request's credential belongs to ("default" for the top-level one);
   * undefined when it carried none the emulator knows (discovery, bad token, failed OAuth).
   */
  workspace?: string;
}

export interface StoredSpace {
  space_id: string;
  title: string;
  description: string;
  warehouse_id: string;
  parent_path: string;
  serialized_space: string;
  etag: string;
  create_time: string;
  update_time: string;
  trashed: boolean;
  trash_time?: string;
}

/** A principal as the hooks name it (one key, like the resource's access controls). */
export type PrincipalRef = { userName: string } | { groupName: string } | { servicePrincipalName: string };

export interface PrincipalRegistryOptions {
  users?: string[];
  /** Group → members: user names, or "sp:<application id>" / "group:<name>". */
  groups?: Record<string, string[]>;
  /** Application ids of service principals (OAuth client ids are added automatically). */
  servicePrincipals?: string[];
}

/** The GET body of `/api/2.0/permissions/genie/{id}`. */
export interface SpaceAclView {
  object_id: string;
  object_type: "genie";
  access_control_list: {
    user_name?: string;
    group_name?: string;
    service_principal_name?: string;
    display_name?: string;
    all_permissions: { permission_level: AclLevel; inherited: boolean; inherited_from_object?: string[] }[];
  }[];
}

export interface SpaceEdit {
  title?: string;
  description?: string;
  warehouse_id?: string;
  parent_path?: string;
  serialized_space?: string;
}

export interface UiSpaceCreate {
  title: string;
  warehouse_id: string;
  serialized_space: string;
  description?: string;
  parent_path?: string;
}

/** The test hooks of one workspace (the handle's top-level hooks are those of "default"). */
export interface WorkspaceHooks {
  folders: { add(path: string): void; list(): string[] };
  spaces: {
    list(opts?: { includeTrashed?: boolean }): StoredSpace[];
    get(id: string): StoredSpace | undefined;
    uiEdit(id: string, changes: SpaceEdit): StoredSpace;
    uiCreate(space: UiSpaceCreate): StoredSpace;
    trash(id: string): void;
    restore(id: string): void;
    migrate(id: string): StoredSpace;
    /**
     * Per-space permission of one principal (a PAT, or an OAuth client id for tokens issued to
     * it). Principals without an entry have CAN_MANAGE. NONE → the space looks nonexistent (404);
     * below CAN_EDIT → no serialized_space/etag and PATCH 403; below CAN_MANAGE → DELETE 403.
     */
    setPermission(id: string, principal: string, level: PermissionLevel): void;
  };
  /**
   * Unity Catalog tables made through the SQL Statement Execution API (sql-api.ts). With the
   * `catalog` option set they count as existing tables for the 403 check.
   */
  tables: {
    /** `catalog.schema.table`, lowercase, sorted. */
    list(): string[];
    get(identifier: string): EmulatedTable | undefined;
  };
  /** The permissions API's data (ACLs of spaces and folders) and the workspace's principals. */
  permissions: {
    /** The GET body for a space, without any authorization check. */
    get(spaceId: string): SpaceAclView;
    /** Direct (non-inherited) grants of a space, sorted by kind then name. */
    direct(spaceId: string): { principal: PrincipalRef; level: AclLevel }[];
    /** A grant made in the Genie UI ("Share" dialog). */
    uiGrant(spaceId: string, principal: PrincipalRef, level: AclLevel): void;
    /** A direct grant removed in the Genie UI. */
    uiRevoke(spaceId: string, principal: PrincipalRef): void;
    /** The folder's own ACL (`null` removes the grant); spaces below it inherit it. */
    setFolderGrant(folder: string, principal: PrincipalRef, level: AclLevel | null): void;
    addUser(userName: string): void;
    /** Members: user names, or "sp:<application id>" / "group:<name>". */
    addGroup(name: string, members?: string[]): void;
    addServicePrincipal(applicationId: string): void;
  };
}

/** One workspace of the emulator, as `handle.workspace(name)` returns it. */
export interface WorkspaceView extends WorkspaceHooks {
  name: string;
  /** The workspace's first personal access token. */
  token: string;
  /** The workspace's caller user. */
  user: string;
  /** Drop this workspace's spaces, folders, ACLs, tables and issued tokens (back to its start options). */
  reset(): void;
  /** The request log entries of this workspace. */
  requests(): RequestLogEntry[];
}

export interface EmulatorHandle extends WorkspaceHooks {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The default workspace's token. */
  token: string;
  close(): Promise<void>;
  /** Drop all spaces, requests and issued tokens of every workspace; options, faults and folders back to the start options. */
  reset(): void;
  requests(): RequestLogEntry[];
  clearRequests(): void;
  setFaults(rules: FaultRule[]): void;
  /** Top-level workspace options (token, user, folders, …) change the "default" workspace; `workspaces` cannot change. */
  setOptions(partial: Partial<EmulatorOptions>): void;
  /** Simulate an expired/revoked credential → 401 (in whichever workspace it belongs to). */
  revokeToken(token: string): void;
  /** A workspace by name ("default" = the top-level one); throws for an unknown name. */
  workspace(name: string): WorkspaceView;
  /** Names of all workspaces, "default" first. */
  workspaceNames(): string[];
}

export interface EmulatedColumn {
  name: string;
  type: string;
  comment?: string;
  nullable?: boolean;
}

export interface EmulatedTable {
  catalog: string;
  schema: string;
  name: string;
  columns: EmulatedColumn[];
  /** JSON_ARRAY values: strings or null. */
  rows: (string | null)[][];
  comment?: string;
}
