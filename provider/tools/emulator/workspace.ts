/**
 * One emulated Databricks workspace: its own spaces, folders, ACLs and principals, SQL tables,
 * caller user and credentials (docs/genie-api.md §7 "In-memory store keyed by workspace (token →
 * workspace)"). Server-wide behavior (validation, trash delay, faults, …) lives in the server;
 * a workspace only asks for it through `shared()`.
 */
import { Credentials, generatePat } from "./credentials";
import { FolderTree } from "./folders";
import { AclStore, type PermissionsCaller } from "./acl";
import { SpaceIdSource, SpaceStore, StoreSettings, type CreateInput } from "./space-store";
import { SqlWarehouse } from "./sql-api";
import type { PermissionLevel } from "./levels";
import { OAuthClient, PrincipalRef, PrincipalRegistryOptions, StoredSpace, WorkspaceOptions } from "./types";

export const DEFAULT_WORKSPACE = "default";
export const DEFAULT_USER = "dev@example.com";
const NAME = /^[A-Za-z0-9_-]+$/;

/** A workspace's own settings, resolved (no defaults left open). */
export interface WorkspaceSettings {
  name: string;
  /** The main personal access token (the handle's `token`). */
  token: string;
  /** Further personal access tokens. */
  tokens: string[];
  oauthClients: OAuthClient[];
  user: string;
  folders: string[];
  principals?: PrincipalRegistryOptions;
  catalog?: string[];
}

/** The keys of EmulatorOptions that belong to the default workspace rather than the server. */
export const WORKSPACE_OPTION_KEYS = ["token", "tokens", "oauthClients", "user", "folders", "principals", "catalog"] as const;

/** Store settings the server decides (everything but the workspace's user and catalog). */
export type SharedSettings = Omit<StoreSettings, "user" | "catalog"> & { accessTokenTtlSeconds: number };

/** Settings of an extra workspace from its options; its token is generated when none is given. */
export function resolveWorkspace(options: WorkspaceOptions): WorkspaceSettings {
  if (!NAME.test(options.name ?? "")) {
    throw new Error(`Workspace name '${options.name}' must be letters, digits, "-" or "_"`);
  }
  if (options.name === DEFAULT_WORKSPACE) throw new Error(`Workspace name '${DEFAULT_WORKSPACE}' is reserved for the top-level workspace`);
  const user = options.user ?? DEFAULT_USER;
  const [token = generatePat(), ...tokens] = options.tokens ?? [];
  return {
    name: options.name,
    token,
    tokens,
    oauthClients: options.oauthClients ?? [],
    user,
    folders: options.folders ?? [`/Users/${user}`, "/Shared"],
    principals: options.principals,
    catalog: options.catalog,
  };
}

/**
 * Tokens and OAuth client ids pick the workspace of a request, so each must belong to one only.
 * The error names the workspaces, never the credential.
 */
export function checkDistinctCredentials(workspaces: WorkspaceSettings[]): void {
  const owner = new Map<string, string>();
  const names = new Set<string>();
  for (const ws of workspaces) {
    if (names.has(ws.name)) throw new Error(`Two workspaces are named '${ws.name}'`);
    names.add(ws.name);
    const keys = [...new Set([ws.token, ...ws.tokens])].map((t) => `token:${t}`);
    keys.push(...[...new Set(ws.oauthClients.map((c) => c.clientId))].map((id) => `client:${id}`));
    for (const key of keys) {
      const other = owner.get(key);
      if (other !== undefined) {
        const what = key.startsWith("token:") ? "a token" : "an OAuth client id";
        throw new Error(`Workspaces '${other}' and '${ws.name}' share ${what}; each credential must belong to one workspace`);
      }
      owner.set(key, ws.name);
    }
  }
}

export class Workspace {
  settings: WorkspaceSettings;
  readonly store: SpaceStore;
  readonly credentials: Credentials;
  readonly permissions: AclStore;
  readonly sql = new SqlWarehouse();
  private folderTree: FolderTree;
  private catalog?: ReadonlySet<string>;

  constructor(
    private readonly initial: WorkspaceSettings,
    private readonly shared: () => SharedSettings,
    ids: SpaceIdSource,
  ) {
    this.settings = { ...initial };
    this.folderTree = new FolderTree(initial.folders);
    this.catalog = initial.catalog && new Set(initial.catalog);
    this.credentials = new Credentials(this.pats(), initial.oauthClients, shared().accessTokenTtlSeconds);
    this.store = new SpaceStore(
      () => this.storeSettings(),
      () => this.folderTree,
      ids,
      (id, credential) => this.permissions.credentialLevel(id, credential),
    );
    this.permissions = new AclStore(
      () => ({ user: this.settings.user, oauthClientIds: this.settings.oauthClients.map((c) => c.clientId), principals: this.settings.principals }),
      (id) => {
        const space = this.store.snapshot(id);
        return space && { parentPath: space.parent_path, trashed: space.trashed };
      },
    );
  }

  get name(): string {
    return this.settings.name;
  }

  get folders(): FolderTree {
    return this.folderTree;
  }

  private pats(): string[] {
    return [this.settings.token, ...this.settings.tokens];
  }

  private storeSettings(): StoreSettings {
    const { accessTokenTtlSeconds: _ttl, ...shared } = this.shared();
    return {
      ...shared,
      user: this.settings.user,
      // Tables made through the SQL API exist too (the newcomer's demo data).
      catalog: this.catalog && this.sql.catalogWith(this.catalog),
    };
  }

  /** Back to the start settings; spaces, folders, ACLs, tables and issued tokens dropped. */
  reset(): void {
    this.settings = { ...this.initial };
    this.store.reset();
    this.folderTree = new FolderTree(this.initial.folders);
    this.catalog = this.initial.catalog && new Set(this.initial.catalog);
    this.credentials.configure(this.pats(), this.settings.oauthClients, this.shared().accessTokenTtlSeconds);
    this.credentials.clearSessions();
    this.permissions.reset();
    this.sql.reset();
  }

  /** Change settings while running; new identities join the principal registry (grants stay). */
  configure(partial: Partial<Omit<WorkspaceSettings, "name">>, ttlChanged = false): void {
    const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<WorkspaceSettings>;
    this.settings = { ...this.settings, ...defined, name: this.settings.name };
    if (ttlChanged || "token" in defined || "tokens" in defined || "oauthClients" in defined) {
      this.credentials.configure(this.pats(), this.settings.oauthClients, this.shared().accessTokenTtlSeconds);
    }
    if ("folders" in defined) this.folderTree = new FolderTree(this.settings.folders);
    if ("catalog" in partial) {
      this.settings.catalog = partial.catalog;
      this.catalog = partial.catalog && new Set(partial.catalog);
    }
    if (defined.user) this.permissions.addUser(this.settings.user);
    for (const c of partial.oauthClients ?? []) this.permissions.addServicePrincipal(c.clientId);
    for (const u of partial.principals?.users ?? []) this.permissions.addUser(u);
    for (const sp of partial.principals?.servicePrincipals ?? []) this.permissions.addServicePrincipal(sp);
    for (const [g, members] of Object.entries(partial.principals?.groups ?? {})) this.permissions.addGroup(g, members);
  }

  /** Whether this workspace issued or accepts the bearer (valid or not): it names the request's workspace. */
  owns(token: string): boolean {
    return this.credentials.knows(token);
  }

  /** Who a request acts as: every PAT is the workspace's user; an OAuth token is its service principal. */
  callerOf(bearer: string, principal: string): PermissionsCaller {
    const identity: PrincipalRef = principal !== bearer ? { servicePrincipalName: principal } : { userName: this.settings.user };
    return { credential: principal, identity };
  }

  /** `spaces.setPermission`: one override in the ACL store, read by both the spaces and permissions endpoints (acl.ts). */
  setTokenPermission(id: string, credential: string, level: PermissionLevel): void {
    this.store.requireExisting(id, "update");
    this.permissions.setCredentialLevel(id, credential, level);
  }

  /** A space made "in the UI" by the workspace's user. */
  uiCreate(input: CreateInput, now: number): StoredSpace {
    const created = this.store.uiCreate(input, now);
    this.permissions.spaceCreated(created.space_id, { userName: this.settings.user });
    return created;
  }
}
