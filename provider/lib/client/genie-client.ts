// The Genie spaces REST client (docs/genie-api.md §1): one method per endpoint, each a single HTTP
// request on the happy path, with retries, rate limiting and duplicate-safe creates layered in.
import {
  ApiCaller,
  followsPossiblyAppliedAttempt,
  isAmbiguousFailure,
  sleep,
  type ApiCall,
  type ApiCallerOptions,
  type ApiCallStats,
  type ApiResult,
  type HttpMethod,
} from "./api-caller";
import { retryDelayMs } from "./backoff";
import { CURRENT_USER_PATH, permissionsRequest, type AccessControlRequest, type CurrentUserRecord, type SpacePermissionsRecord } from "./permissions";
import { GenieApiError, type GenieOperation, isNotFound, isPermissionDenied } from "./errors";

export interface GenieSpaceRecord {
  space_id: string;
  title: string;
  description?: string;
  warehouse_id?: string;
  parent_path?: string;
  serialized_space?: string;
  etag?: string;
  create_time?: string;
  update_time?: string;
}

export interface CreateSpaceRequest {
  title?: string;
  description?: string;
  warehouse_id: string;
  parent_path?: string;
  serialized_space: string;
}

export interface UpdateSpaceRequest {
  title?: string;
  description?: string;
  warehouse_id?: string;
  parent_path?: string;
  serialized_space?: string;
  etag?: string;
}

/** The request options (timeouts, rate limit, retries, logger, headers) are those of ./api-caller. */
export interface GenieClientOptions extends ApiCallerOptions {
  /** Clock skew allowed when matching a possibly-created space by create_time (default 5 s). */
  clockSkewMs?: number;
}

/** HTTP requests, retries and 429 answers of one client. */
export type GenieClientStats = ApiCallStats;

const SPACES_PATH = "/api/2.0/genie/spaces";
const MKDIRS_PATH = "/api/2.0/workspace/mkdirs";
const DEFAULT_CLOCK_SKEW_MS = 5_000;
/** POSTs repeated after a lookup found nothing (each lookup first). */
const MAX_CREATE_ROUNDS = 5;

export class GenieClient {
  readonly host: string;
  private readonly opts: { operationTimeoutMs: number; clockSkewMs: number };
  /** Pool, rate limiter, auth, retries and error classification (shared with SqlClient). */
  private readonly caller: ApiCaller;
  private readonly log?: (line: string) => void;

  constructor(opts: GenieClientOptions) {
    this.caller = new ApiCaller(opts);
    this.host = this.caller.host;
    this.log = this.caller.log;
    this.opts = { operationTimeoutMs: this.caller.operationTimeoutMs, clockSkewMs: opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS };
  }

  stats(): GenieClientStats {
    return this.caller.stats();
  }

  // ---- endpoints -------------------------------------------------------------------------

  /**
   * POST /api/2.0/genie/spaces. Never blindly re-POSTs after an ambiguous failure: first looks for
   * the space the lost attempt may have created and adopts it (docs/reliability.md).
   */
  async createSpace(body: CreateSpaceRequest, opts: { createMissingFolder?: boolean } = {}): Promise<GenieSpaceRecord> {
    const startedAt = Date.now();
    const deadline = startedAt + this.opts.operationTimeoutMs;
    const label = body.title;
    const payload = definedFields(body);
    let folderCreated = false;
    for (let round = 1; ; round++) {
      try {
        const res = await this.call({ operation: "create", label, method: "POST", path: SPACES_PATH, body: payload, deadline, idempotent: false });
        return this.claim(this.toRecord(res.json, "create", label, "POST", SPACES_PATH));
      } catch (e) {
        if (e instanceof GenieApiError && isAmbiguousFailure(e)) {
          if (body.title === undefined) {
            // Without a title the lost space cannot be told apart from others: surface, don't guess.
            e.retryable = false;
            throw e;
          }
          const found = await this.findCreatedSpace(body, startedAt, deadline);
          if (found.space) {
            this.log?.(`create "${label}": request outcome unknown (${e.kind}); adopted space ${found.space.space_id} created by that attempt`);
            return this.claim(found.space);
          }
          if (found.undated.length > 0) {
            // Same title and folder, but no create_time to tell a new space from an older one
            // (older backends): re-sending could duplicate, adopting could take a stranger's space.
            throw new GenieApiError({
              kind: e.kind,
              apiMessage:
                `the answer to the create was lost (${e.apiMessage}) and spaces ${found.undated.join(", ")} have the same title and folder, ` +
                `but the API gives no creation time to tell whether one of them was created by this request; not sending the create again to avoid a duplicate. ` +
                `Check them in the Genie UI, then adopt the right one (adoptSpaceId) or trash it and run again.`,
              method: "POST",
              path: SPACES_PATH,
              operation: "create",
              label,
              retryable: false,
            });
          }
          const delay = retryDelayMs(round, this.backoff());
          if (round >= MAX_CREATE_ROUNDS || Date.now() + delay >= deadline) throw e;
          this.caller.countRetry();
          this.log?.(`create "${label}": request outcome unknown (${e.kind}) and no such space exists; retrying POST in ${delay} ms`);
          await sleep(delay);
          continue;
        }
        if (!folderCreated && opts.createMissingFolder !== false && body.parent_path && isMissingFolderError(e, body.parent_path, "create")) {
          // docs/genie-api.md §3: the parent folder must exist; DABs/TF mkdir and retry once.
          folderCreated = true;
          this.log?.(`create "${label}": parent folder ${body.parent_path} is missing; creating it`);
          await this.mkdirsWithin(body.parent_path, deadline);
          continue;
        }
        throw e;
      }
    }
  }

  /** GET /api/2.0/genie/spaces/{id}; `includeSerializedSpace` also returns the etag (docs/genie-api.md §5.3). */
  async getSpace(spaceId: string, opts: { includeSerializedSpace?: boolean; label?: string } = {}): Promise<GenieSpaceRecord> {
    return this.readSpace(spaceId, opts.includeSerializedSpace === true, opts.label ?? spaceId, "read", Date.now() + this.opts.operationTimeoutMs);
  }

  /** All spaces, page by page (`page_size` ≤ 100); list items never carry serialized_space. */
  listSpaces(opts: { pageSize?: number } = {}): AsyncIterable<GenieSpaceRecord> {
    const pageSize = Math.max(1, Math.min(100, Math.floor(opts.pageSize ?? 100)));
    return this.iterateSpaces(pageSize, "list", undefined, undefined);
  }

  /**
   * PATCH /api/2.0/genie/spaces/{id}, sending only the fields given. A move (`parent_path`) into a
   * missing folder creates the folder and retries once, as a create does.
   */
  async updateSpace(
    spaceId: string,
    patch: UpdateSpaceRequest,
    opts: { label?: string; createMissingFolder?: boolean } = {},
  ): Promise<GenieSpaceRecord> {
    assertSpaceId(spaceId);
    const label = opts.label ?? spaceId;
    const path = spacePath(spaceId);
    const deadline = Date.now() + this.opts.operationTimeoutMs;
    const send = () =>
      this.call({ operation: "update", label, method: "PATCH", path, body: definedFields(patch), deadline, idempotent: true });
    let res: ApiResult;
    try {
      res = await send();
    } catch (e) {
      if (opts.createMissingFolder === false || !patch.parent_path || !isMissingFolderError(e, patch.parent_path, "update")) throw e;
      this.log?.(`update "${label}": target folder ${patch.parent_path} is missing; creating it`);
      await this.mkdirsWithin(patch.parent_path, deadline);
      res = await send();
    }
    return this.toRecord(res.json, "update", label, "PATCH", path);
  }

  /**
   * DELETE /api/2.0/genie/spaces/{id} (moves it to trash). A 404 — or a 403 for a space a GET then
   * reports missing — means it is already gone (docs/genie-api.md §5.4, TF PR #5770).
   */
  async trashSpace(spaceId: string, opts: { label?: string } = {}): Promise<{ alreadyGone: boolean }> {
    assertSpaceId(spaceId);
    const label = opts.label ?? spaceId;
    const deadline = Date.now() + this.opts.operationTimeoutMs;
    try {
      await this.call({ operation: "trash", label, method: "DELETE", path: spacePath(spaceId), deadline, idempotent: true });
      return { alreadyGone: false };
    } catch (e) {
      if (isNotFound(e)) {
        // After a DELETE that may have been applied (reset, 5xx, timeout), a 404 most likely means
        // our own earlier attempt succeeded.
        return { alreadyGone: !followsPossiblyAppliedAttempt(e) };
      }
      if (isPermissionDenied(e)) {
        try {
          await this.readSpace(spaceId, false, label, "trash", deadline);
        } catch (getError) {
          if (isNotFound(getError)) return { alreadyGone: true };
        }
      }
      throw e;
    }
  }

  /** POST /api/2.0/workspace/mkdirs {"path": "/Workspace/…"} (creates parents too; no-op if present). */
  async mkdirs(path: string): Promise<void> {
    await this.mkdirsWithin(path, Date.now() + this.opts.operationTimeoutMs);
  }

  // ---- permissions (./permissions.ts; docs/genie-api.md §1 "ACLs") ------------------------------

  /** GET /api/2.0/permissions/genie/{id}: every principal with its direct and inherited levels. */
  getPermissions(spaceId: string): Promise<SpacePermissionsRecord> {
    return this.permissionsCall("GET", "read", spaceId);
  }

  /** PUT: `acl` becomes the whole list of direct grants (inherited ones stay). Returns the new ACL. */
  setPermissions(spaceId: string, acl: readonly AccessControlRequest[]): Promise<SpacePermissionsRecord> {
    return this.permissionsCall("PUT", "update", spaceId, acl);
  }

  /** PATCH: adds the grants in `acl` or sets their level; other grants stay. Returns the new ACL. */
  updatePermissions(spaceId: string, acl: readonly AccessControlRequest[]): Promise<SpacePermissionsRecord> {
    return this.permissionsCall("PATCH", "update", spaceId, acl);
  }

  /** GET /api/2.0/preview/scim/v2/Me: who these credentials act as. */
  async currentUser(opts: { timeoutMs?: number } = {}): Promise<CurrentUserRecord> {
    const deadline = Date.now() + (opts.timeoutMs ?? this.opts.operationTimeoutMs);
    const res = await this.call({ operation: "read", label: "current user", method: "GET", path: CURRENT_USER_PATH, deadline, idempotent: true });
    return (res.json ?? {}) as CurrentUserRecord;
  }

  private async permissionsCall(
    method: "GET" | "PUT" | "PATCH",
    operation: GenieOperation,
    spaceId: string,
    acl?: readonly AccessControlRequest[],
  ): Promise<SpacePermissionsRecord> {
    const req = permissionsRequest(method, spaceId, acl);
    // PUT and PATCH carry absolute levels, so repeating one after an ambiguous failure is safe.
    const res = await this.call({ operation, label: req.label, method, path: req.path, body: req.body, deadline: Date.now() + this.opts.operationTimeoutMs, idempotent: true });
    return (res.json ?? {}) as SpacePermissionsRecord;
  }

  // ---- helpers -----------------------------------------------------------------------------

  private async mkdirsWithin(path: string, deadline: number): Promise<void> {
    const workspacePath = withWorkspacePrefix(path);
    await this.call({ operation: "mkdirs", label: workspacePath, method: "POST", path: MKDIRS_PATH, body: { path: workspacePath }, deadline, idempotent: true });
  }

  private async readSpace(spaceId: string, includeSerialized: boolean, label: string, operation: GenieOperation, deadline: number): Promise<GenieSpaceRecord> {
    assertSpaceId(spaceId);
    const path = spacePath(spaceId);
    const res = await this.call({
      operation,
      label,
      method: "GET",
      path,
      query: includeSerialized ? { include_serialized_space: "true" } : undefined,
      deadline,
      idempotent: true,
    });
    return this.toRecord(res.json, operation, label, "GET", path);
  }

  private async *iterateSpaces(pageSize: number, operation: GenieOperation, label: string | undefined, deadline: number | undefined): AsyncGenerator<GenieSpaceRecord> {
    let pageToken: string | undefined;
    const seenTokens = new Set<string>();
    do {
      const res = await this.call({
        operation,
        label,
        method: "GET",
        path: SPACES_PATH,
        query: { page_size: String(pageSize), page_token: pageToken },
        deadline: deadline ?? Date.now() + this.opts.operationTimeoutMs,
        idempotent: true,
      });
      const page = (res.json ?? {}) as { spaces?: unknown; next_page_token?: unknown };
      for (const item of Array.isArray(page.spaces) ? page.spaces : []) {
        if (item && typeof item === "object" && typeof (item as GenieSpaceRecord).space_id === "string") yield item as GenieSpaceRecord;
      }
      pageToken = typeof page.next_page_token === "string" && page.next_page_token !== "" ? page.next_page_token : undefined;
      // A server repeating a page token would loop forever; stop instead.
      if (pageToken !== undefined) {
        if (seenTokens.has(pageToken)) break;
        seenTokens.add(pageToken);
      }
    } while (pageToken !== undefined);
  }

  /** The space an ambiguous create attempt may have made: same title (or its de-dup form) and folder, created since we started. */
  /**
   * After a create whose answer was lost: the space that attempt may have made — same title and
   * folder, created since the attempt began, not already returned to another create in this
   * process. `undated` lists same-title candidates the API gave no create_time for.
   */
  private async findCreatedSpace(
    body: CreateSpaceRequest,
    startedAt: number,
    deadline: number,
  ): Promise<{ space?: GenieSpaceRecord; undated: string[] }> {
    const wantedParent = body.parent_path !== undefined ? normalizeFolder(body.parent_path) : undefined;
    const notBefore = startedAt - this.opts.clockSkewMs;
    const claimed = claimedSpaces(this.host);
    let best: { id: string; created: number } | undefined;
    const undated: string[] = [];
    for await (const s of this.iterateSpaces(100, "create", body.title, deadline)) {
      if (claimed.has(s.space_id) || !titleMatches(s.title, body.title ?? "")) continue;
      if (wantedParent !== undefined && normalizeFolder(s.parent_path ?? "") !== wantedParent) continue;
      const created = s.create_time ? Date.parse(s.create_time) : NaN;
      if (Number.isNaN(created)) {
        undated.push(s.space_id);
        continue;
      }
      if (created < notBefore) continue;
      if (!best || created < best.created) best = { id: s.space_id, created };
    }
    if (!best) return { undated };
    return { space: await this.readSpace(best.id, true, body.title ?? best.id, "create", deadline), undated };
  }

  /** Records that a create in this process returned this space, so no other lost create adopts it. */
  private claim(space: GenieSpaceRecord): GenieSpaceRecord {
    claimedSpaces(this.host).add(space.space_id);
    return space;
  }

  private backoff() {
    return this.caller.backoff();
  }

  private toRecord(json: unknown, operation: GenieOperation, label: string | undefined, method: HttpMethod, path: string): GenieSpaceRecord {
    if (!json || typeof json !== "object" || typeof (json as GenieSpaceRecord).space_id !== "string") {
      throw new GenieApiError({ kind: "server", apiMessage: "response has no space_id", method, path, operation, label });
    }
    return json as GenieSpaceRecord;
  }

  /** One logical request, through the shared call machinery (./api-caller). */
  private call(spec: ApiCall): Promise<ApiResult> {
    return this.caller.call(spec);
  }
}

// ---- pure helpers ----------------------------------------------------------------------------

function spacePath(spaceId: string): string {
  return `${SPACES_PATH}/${encodeURIComponent(spaceId)}`;
}

function assertSpaceId(spaceId: string): void {
  // An empty id would silently turn GET /spaces/{id} into the list endpoint.
  if (typeof spaceId !== "string" || spaceId.trim() === "") throw new TypeError("spaceId must be a non-empty string");
}

/** Only the fields actually given (PATCH semantics: absent = unchanged). */
function definedFields<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

/** Genie stores `parent_path` without the `/Workspace` prefix (docs/genie-api.md §1.1). */
export function normalizeFolder(path: string): string {
  let p = path.trim().replace(/\/+$/, "");
  if (p === "/Workspace" || p.startsWith("/Workspace/")) p = p.slice("/Workspace".length);
  return p === "" ? "/" : p;
}

/** Workspace APIs address folders with the `/Workspace` prefix. */
export function withWorkspacePrefix(path: string): string {
  const p = normalizeFolder(path.startsWith("/") ? path : `/${path}`);
  return p === "/" ? "/Workspace" : `/Workspace${p}`;
}

/** Exact title, or the server's same-folder de-dup form `<title> YYYY-MM-DD HH:MM:SS` (docs/genie-api.md §5.6). */
function titleMatches(actual: string, wanted: string): boolean {
  if (actual === wanted) return true;
  return actual.startsWith(`${wanted} `) && /^ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(actual.slice(wanted.length));
}

/** 404 RESOURCE_DOES_NOT_EXIST on create, or the legacy 400 "Tree node with path … does not exist" (docs/genie-api.md §3). */
/**
 * A missing parent folder (docs/genie-api.md §3: 404 RESOURCE_DOES_NOT_EXIST on newer backends, 400
 * "Tree node with path … does not exist" on older ones). On create the space does not exist yet,
 * so a not-found can only be the folder; on update it may be the space itself (trashed), so the
 * message must name the folder.
 */
function isMissingFolderError(e: unknown, folder: string, operation: "create" | "update"): boolean {
  if (!(e instanceof GenieApiError)) return false;
  if (e.status === 400 && /Tree node with path .* does not exist/i.test(e.apiMessage)) return true;
  if (e.status !== 404 || e.kind !== "not-found") return false;
  return operation === "create" || e.apiMessage.includes(normalizeFolder(folder));
}

/** Ids of spaces creates in this process returned, per host (see findCreatedSpace). */
const claimedByHost = new Map<string, Set<string>>();
function claimedSpaces(host: string): Set<string> {
  let set = claimedByHost.get(host);
  if (!set) claimedByHost.set(host, (set = new Set()));
  return set;
}
