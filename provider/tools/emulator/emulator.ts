/**
 * The state of one running emulator: its options, workspaces, faults, rate limit and request log,
 * who a credential is, and the operations the handle and the control endpoints share (reset,
 * options, revoke). It knows nothing of HTTP; pipeline.ts serves it, routes/ hold the APIs.
 */
import { ApiError, invalidParameter } from "./api-error";
import type { PermissionsCaller } from "./acl";
import { FaultInjector } from "./faults";
import { ResolvedOptions, checkMaxBodyBytes, defaultWorkspace } from "./options";
import { RequestLog } from "./request-log";
import { SpaceIdSource } from "./space-store";
import { TokenBucket } from "./token-bucket";
import { EmulatorOptions } from "./types";
import { SharedSettings, WORKSPACE_OPTION_KEYS, Workspace, WorkspaceSettings, checkDistinctCredentials } from "./workspace";

/** Who made a request: the workspace its credential belongs to, and who it acts as there. */
export interface Caller {
  ws: Workspace;
  /** The bearer token sent. */
  bearer: string;
  /** The PAT itself, or the OAuth client id the token was issued to (what `spaces.setPermission` is keyed by). */
  principal: string;
  /** The same caller as the ACL store sees it. */
  acting: PermissionsCaller;
}

export class Emulator {
  opts: ResolvedOptions;
  readonly faults: FaultInjector;
  /** Every workspace, "default" first; a request's credential picks one. */
  readonly workspaces: Workspace[];
  readonly log = new RequestLog();
  /** http://127.0.0.1:<port>, once listening. */
  url = "";
  /**
   * Moves on every reset and on close: a request held by a fault (slow-commit, commit-then-hang)
   * that arrived in an earlier generation never takes effect.
   */
  generation = 0;
  private bucket?: TokenBucket;
  private readonly resetListeners: (() => void)[] = [];

  constructor(
    private readonly initial: ResolvedOptions,
    extra: WorkspaceSettings[],
  ) {
    this.opts = { ...initial };
    this.faults = new FaultInjector(initial.faults);
    this.configureRateLimit();
    const all = [defaultWorkspace(initial), ...extra];
    checkDistinctCredentials(all);
    // One id source: space ids stay unique across workspaces.
    const ids = new SpaceIdSource();
    this.workspaces = all.map((settings) => new Workspace(settings, () => this.sharedSettings(), ids));
  }

  /** The top-level workspace (the handle's own hooks and every existing caller use it). */
  get main(): Workspace {
    return this.workspaces[0];
  }

  workspaceNamed(name: string): Workspace | undefined {
    return this.workspaces.find((w) => w.name === name);
  }

  /** The workspace a bearer belongs to (PAT or issued OAuth token), valid or not. */
  workspaceOf(token: string | undefined): Workspace | undefined {
    return token === undefined ? undefined : this.workspaces.find((w) => w.owns(token));
  }

  /** The caller behind a bearer; a 401 error when there is none or it is unknown, revoked or expired. */
  authenticate(token: string | undefined, now: number): Caller | ApiError {
    if (!token) {
      return new ApiError(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.");
    }
    const ws = this.workspaceOf(token);
    if (!ws || !ws.credentials.isValidBearer(token, now)) return new ApiError(401, "UNAUTHENTICATED", "Invalid access token.");
    const principal = ws.credentials.principalOf(token);
    return { ws, bearer: token, principal, acting: ws.callerOf(token, principal) };
  }

  /** Wait in whole seconds before this request may run (rate limit); 0 = now. */
  throttle(now: number): number {
    return this.bucket ? this.bucket.take(now) : 0;
  }

  private sharedSettings(): SharedSettings {
    const o = this.opts;
    return {
      strict: o.strict,
      optionalRules: o.optionalRules,
      titleDedup: o.titleDedup,
      defaultTitle: o.defaultTitle,
      trashDelayMs: o.trashDelayMs,
      readLagMs: o.readLagMs,
      missingFolderStyle: o.missingFolderStyle,
      pageSizeOver100: o.pageSizeOver100,
      secondDelete: o.secondDelete,
      reassignIds: o.reassignIds,
      bodyInWriteAnswers: o.bodyInWriteAnswers,
      timestamps: o.timestamps,
      accessTokenTtlSeconds: o.accessTokenTtlSeconds,
    };
  }

  private configureRateLimit(): void {
    this.bucket = this.opts.rateLimit > 0 ? new TokenBucket(this.opts.rateLimit, Date.now()) : undefined;
  }

  /** Called by every reset (route areas that remember something register here). */
  onReset(listener: () => void): void {
    this.resetListeners.push(listener);
  }

  /** Requests held by a fault are dropped (they never take effect). */
  dropHeldRequests(): void {
    this.generation++;
  }

  reset(): void {
    this.dropHeldRequests();
    this.opts = { ...this.initial };
    this.faults.set(this.initial.faults);
    this.log.clear();
    this.configureRateLimit();
    for (const ws of this.workspaces) ws.reset();
    for (const listener of this.resetListeners) listener();
  }

  setOptions(partial: Partial<EmulatorOptions>): void {
    if (partial.workspaces !== undefined) throw new Error("The workspaces of an emulator are fixed when it starts");
    const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
    if ("maxBodyBytes" in defined) checkMaxBodyBytes(defined.maxBodyBytes as number);
    this.opts = { ...this.opts, ...defined };
    if ("faults" in defined) this.faults.set(this.opts.faults);
    if ("rateLimit" in defined) this.configureRateLimit();
    const own: Partial<WorkspaceSettings> = {};
    for (const key of WORKSPACE_OPTION_KEYS) if (key in partial) (own as Record<string, unknown>)[key] = partial[key];
    const ttlChanged = "accessTokenTtlSeconds" in defined;
    this.configureChecked(this.main, own, ttlChanged);
    if (ttlChanged) for (const ws of this.workspaces.slice(1)) ws.configure({}, true);
  }

  /** `PATCH /__emulator/options?workspace=NAME` for an extra workspace: only its own settings. */
  configureWorkspace(ws: Workspace, options: Partial<EmulatorOptions>): void {
    const own: Partial<WorkspaceSettings> = {};
    for (const [key, value] of Object.entries(options)) {
      if (!(WORKSPACE_OPTION_KEYS as readonly string[]).includes(key)) {
        throw invalidParameter(`Option '${key}' is server-wide; change it without ?workspace`);
      }
      (own as Record<string, unknown>)[key] = value;
    }
    this.configureChecked(ws, own);
  }

  /** Apply a workspace's settings; a credential another workspace owns undoes the change and throws. */
  private configureChecked(ws: Workspace, own: Partial<WorkspaceSettings>, ttlChanged = false): void {
    const before = { ...ws.settings };
    ws.configure(own, ttlChanged);
    try {
      checkDistinctCredentials(this.workspaces.map((w) => w.settings));
    } catch (e) {
      ws.configure({ token: before.token, tokens: before.tokens, oauthClients: before.oauthClients });
      throw e;
    }
  }

  /** Revoke in the workspace that owns the credential (the default one for an unknown token). */
  revoke(token: string): void {
    (this.workspaceOf(token) ?? this.main).credentials.revoke(token);
  }
}
