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
import { GenieApiError, SpaceTitleTakenError, type GenieOperation, isNotFound, isPermissionDenied } from "./errors";
import { normalizeFolder, withWorkspacePrefix } from "./folders";
import { isDedupOf, spaceKey, TitleIndex } from "./title-index";

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

export interface CreateSpaceOptions {
  /** Create a missing parent folder and retry once (default true). */
  createMissingFolder?: boolean;
  /**
   * Whether a space that appeared after a lost answer is the one this create sent (beyond its title
   * and folder). Default: the same warehouse, and the same description when one was sent; callers
   * that can compare content semantically (the GenieSpace runtime) pass a stricter test.
   */
  isSameSpace?: (candidate: GenieSpaceRecord) => boolean;
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
/** POSTs sent in all after the API answered a create with a 500 and a lookup found nothing. */
const MAX_CREATE_ROUNDS = 5;

export class GenieClient {
  readonly host: string;
  private readonly opts: { operationTimeoutMs: number; requestTimeoutMs: number; clockSkewMs: number };
  /** Who holds which title in which folder: checked before every create (./title-index). */
  private readonly titles: TitleIndex;
  /** The caller's home folder, looked up once (SCIM /Me). */
  private home?: Promise<string | undefined>;
  /** Pool, rate limiter, auth, retries and error classification (shared with SqlClient). */
  private readonly caller: ApiCaller;
  private readonly log?: (line: string) => void;

  constructor(opts: GenieClientOptions) {
    this.caller = new ApiCaller(opts);
    this.host = this.caller.host;
    this.log = this.caller.log;
    this.opts = {
      operationTimeoutMs: this.caller.operationTimeoutMs,
      requestTimeoutMs: this.caller.requestTimeoutMs,
      clockSkewMs: opts.clockSkewMs ?? DEFAULT_CLOCK_SKEW_MS,
    };
    this.titles = new TitleIndex(() => this.iterateSpaces(100, "list", undefined, undefined));
  }

  stats(): GenieClientStats {
    return this.caller.stats();
  }

  // ---- endpoints -------------------------------------------------------------------------

  /**
   * POST /api/2.0/genie/spaces, duplicate-safe (docs/reliability.md "Creates are never duplicated"):
   *
   * - Before the POST, the title in the folder is checked against the process's listing
   *   (./title-index): a space already holding it — most likely made by an earlier, interrupted
   *   attempt — fails the create with a {@link SpaceTitleTakenError} carrying that space, and
   *   nothing is sent. Creates of one title and folder in this process run one at a time.
   * - After an answer that was lost (timeout, reset, 5xx that may follow a commit), the POST is
   *   never sent again: the listing is polled for a while for the space the lost request made,
   *   which is then returned; if none appears, the create fails saying so, and the next run's
   *   check finds the space if the lost request still completes.
   * - If the server renamed the new space (someone took the title after the listing), the new
   *   space is trashed again and the create fails with the space holding the title.
   */
  async createSpace(body: CreateSpaceRequest, opts: CreateSpaceOptions = {}): Promise<GenieSpaceRecord> {
    const startedAt = Date.now();
    const deadline = startedAt + this.opts.operationTimeoutMs;
    const title = body.title;
    if (title === undefined) return this.postSpace(body, opts, startedAt, deadline, undefined);
    const folder = body.parent_path !== undefined ? normalizeFolder(body.parent_path) : await this.homeFolder(deadline);
    if (folder === undefined) {
      // Without the caller's home folder there is no key to check; the rename check after the
      // POST still catches a taken title.
      return this.postSpace(body, opts, startedAt, deadline, undefined);
    }
    return this.titles.withKey(spaceKey(folder, title), async () => {
      const holder = await this.titleHolder(folder, title, deadline);
      if (holder) throw new SpaceTitleTakenError(holder, folder, this.titles.isClaimed(holder.space_id));
      const known = await this.titles.known(folder, title);
      return this.postSpace(body, opts, startedAt, deadline, { folder, title, known });
    });
  }

  /** The POST itself, with the folder retry, the lost-answer lookup and the rename check. */
  private async postSpace(
    body: CreateSpaceRequest,
    opts: CreateSpaceOptions,
    startedAt: number,
    deadline: number,
    key: { folder: string; title: string; known: Set<string> } | undefined,
  ): Promise<GenieSpaceRecord> {
    const label = body.title;
    const payload = definedFields(body);
    let folderCreated = false;
    let resent = 0;
    for (;;) {
      let created: GenieSpaceRecord;
      try {
        const res = await this.call({ operation: "create", label, method: "POST", path: SPACES_PATH, body: payload, deadline, idempotent: false });
        created = this.toRecord(res.json, "create", label, "POST", SPACES_PATH);
      } catch (e) {
        if (e instanceof GenieApiError && isAmbiguousFailure(e)) {
          // Without a title the lost space cannot be told apart from others: surface, don't guess.
          if (body.title === undefined) {
            e.retryable = false;
            throw e;
          }
          const lost = await this.awaitLostCreate(body, e, startedAt, deadline, key, opts.isSameSpace ?? sentFields(body));
          if (lost !== "not-created") {
            // Renamed by the server: the title was taken after the listing, and the one new space
            // with the de-dup form of it is the one this attempt made.
            if (lost.title !== body.title && isDedupOf(lost.title, body.title)) {
              await this.undoRenamedCreate(lost, body.title, key?.folder ?? normalizeFolder(lost.parent_path ?? "/"), deadline);
            }
            return this.recordCreated(lost, body);
          }
          // The API answered and made nothing: sending the create again is safe.
          const delay = retryDelayMs(++resent, this.backoff());
          if (resent >= MAX_CREATE_ROUNDS || Date.now() + delay >= deadline) throw e;
          this.caller.countRetry();
          this.log?.(`create "${label}": the API failed the create (${e.status} ${e.errorCode}) and made no space; sending it again in ${delay} ms`);
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
      if (body.title !== undefined && created.title !== body.title && isDedupOf(created.title, body.title)) {
        await this.undoRenamedCreate(created, body.title, key?.folder ?? normalizeFolder(created.parent_path ?? "/"), deadline);
      }
      return this.recordCreated(created, body);
    }
  }

  /**
   * The server renamed our new space: another space took the title after our listing (a user, or
   * a late commit of an earlier attempt). Keeping ours would leave two; trash it and report the
   * space holding the title, as the check before the POST would have.
   */
  private async undoRenamedCreate(created: GenieSpaceRecord, title: string, folder: string, deadline: number): Promise<never> {
    this.log?.(`create "${title}": the server renamed the new space ${created.space_id} to "${created.title}" because the title is taken in ${folder}; trashing it`);
    try {
      await this.sendTrash(created.space_id, created.title, deadline);
      this.titles.recordTrashed(created.space_id);
    } catch (e) {
      throw new GenieApiError({
        kind: "conflict",
        apiMessage:
          `"${title}" is already taken in ${folder}, so the server created space ${created.space_id} as "${created.title}", and trashing that duplicate failed ` +
          `(${e instanceof Error ? e.message : String(e)}). Trash space ${created.space_id} in the Genie UI, then run again.`,
        method: "POST",
        path: SPACES_PATH,
        operation: "create",
        label: title,
      });
    }
    this.titles.forget(created.space_id);
    const holder = await this.titleHolder(folder, title, deadline, true);
    if (holder) throw new SpaceTitleTakenError(holder, folder, this.titles.isClaimed(holder.space_id), created);
    throw new GenieApiError({
      kind: "conflict",
      apiMessage: `the server renamed the new space to "${created.title}" because "${title}" is taken in ${folder}, but no space with that title can be read; the duplicate was trashed. Run again.`,
      method: "POST",
      path: SPACES_PATH,
      operation: "create",
      label: title,
    });
  }

  private recordCreated(space: GenieSpaceRecord, body: CreateSpaceRequest): GenieSpaceRecord {
    this.titles.recordCreated(space, normalizeFolder(space.parent_path ?? body.parent_path ?? "/"));
    return space;
  }

  /**
   * The space holding `title` in `folder`, read in full (serialized space included), or undefined.
   * Listed holders that turn out gone, or that this process trashed, do not count.
   */
  private async titleHolder(folder: string, title: string, deadline: number, fresh = false): Promise<GenieSpaceRecord | undefined> {
    const ids = fresh ? await this.listHolders(folder, title, deadline) : await this.titles.holders(folder, title);
    for (const id of ids) {
      let space: GenieSpaceRecord;
      try {
        space = await this.readSpace(id, true, title, "create", deadline);
      } catch (e) {
        if (isNotFound(e)) {
          this.titles.forget(id);
          continue;
        }
        throw e;
      }
      // A space whose folder the API does not say is not known to be in this one.
      if (space.title === title && space.parent_path !== undefined && normalizeFolder(space.parent_path) === folder) return space;
    }
    return undefined;
  }

  /** Ids of spaces titled exactly `title` in `folder` (or in an unnamed folder), from a fresh listing. */
  private async listHolders(folder: string, title: string, deadline: number): Promise<string[]> {
    const ids: string[] = [];
    for await (const s of this.iterateSpaces(100, "create", title, deadline)) {
      if (s.title !== title || this.titles.wasTrashed(s.space_id)) continue;
      if (s.parent_path === undefined || s.parent_path === "" || normalizeFolder(s.parent_path) === folder) ids.push(s.space_id);
    }
    return ids;
  }

  /** The caller's home folder, where a create without parent_path lands (docs/genie-api.md §1.2). */
  private homeFolder(deadline: number): Promise<string | undefined> {
    if (!this.home) {
      this.home = this.currentUser({ timeoutMs: Math.max(1, deadline - Date.now()) }).then(
        (me) => (typeof me.userName === "string" && me.userName !== "" ? `/Users/${me.userName}` : undefined),
        (e: unknown) => {
          this.log?.(`cannot tell the caller's home folder (${e instanceof Error ? e.message : String(e)}); creates without a parent path are checked after the POST only`);
          this.home = undefined;
          return undefined;
        },
      );
    }
    return this.home;
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
    const result = await this.sendTrash(spaceId, label, deadline);
    // Reads keep showing a trashed space as live for a while (docs/genie-api.md §5.4): the title
    // check of a later create in this process must not take it for the title's holder.
    this.titles.recordTrashed(spaceId);
    return result;
  }

  private async sendTrash(spaceId: string, label: string, deadline: number): Promise<{ alreadyGone: boolean }> {
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

  /**
   * After a create whose answer was lost: the space that request made — the title (or the
   * server's de-dup form of it) in the folder, not a holder of the key before the POST, created
   * since the attempt began, not already returned to another create. Never POSTs again while the
   * request may still be in flight (a reset, a timeout, a gateway's 502/504): the listing is polled
   * for up to one request timeout, within the operation deadline, and if nothing appears the create
   * fails — the next run's title check finds the space if the lost request completes after all.
   * Only when the API itself answered (a 500 with its JSON error body: its handling is over) and
   * nothing was made is the POST sent again.
   */
  private async awaitLostCreate(
    body: CreateSpaceRequest,
    failure: GenieApiError,
    startedAt: number,
    deadline: number,
    key: { folder: string; known: Set<string> } | undefined,
    isSame: (candidate: GenieSpaceRecord) => boolean,
  ): Promise<GenieSpaceRecord | "not-created"> {
    const title = body.title as string;
    const folder = key?.folder ?? (body.parent_path !== undefined ? normalizeFolder(body.parent_path) : undefined);
    const finished = failure.status === 500 && failure.errorCode !== undefined;
    const settleUntil = finished ? 0 : Math.min(deadline, Date.now() + this.opts.requestTimeoutMs);
    const lost = (why: string): GenieApiError => {
      // The lost request may still add a space under this title: a later create must list afresh.
      this.titles.invalidate();
      return new GenieApiError({
        kind: failure.kind,
        apiMessage:
          `the answer to the create was lost (${failure.apiMessage}) and ${why}; ` +
          `not sending the create again, because the lost request may still complete. Run again: the next run looks for the space before creating ` +
          `and takes it over if that request created it.`,
        method: "POST",
        path: SPACES_PATH,
        operation: "create",
        label: title,
        retryable: false,
        status: failure.status,
        errorCode: failure.errorCode,
        requestId: failure.requestId,
      });
    };
    for (let round = 1; ; round++) {
      let found: GenieSpaceRecord | undefined;
      try {
        found = await this.findLostCreate(title, folder, failure, startedAt, deadline, key?.known);
      } catch (e) {
        if (e instanceof GenieApiError && e.operation === "create" && e.path === SPACES_PATH && e.method === "POST") throw e;
        // The lookup itself failed (the deadline passed, the listing errored): the outcome stays unknown.
        throw lost(`looking for the space it may have made failed (${e instanceof Error ? e.message : String(e)})`);
      }
      if (found) {
        if (!isSame(found)) {
          // Title and folder match, but not what was sent: someone else's space. Never take it.
          this.titles.invalidate();
          throw new GenieApiError({
            kind: failure.kind,
            apiMessage:
              `the answer to the create was lost (${failure.apiMessage}); space ${found.space_id} ("${found.title}") has since appeared in the folder, ` +
              `but it is not what this create sent (warehouse, description or content differ), so it is not taken. ` +
              `Check it in the Genie UI; run again once the title is free, or adopt it (adoptSpaceId) if it is yours.`,
            method: "POST",
            path: SPACES_PATH,
            operation: "create",
            label: title,
            retryable: false,
          });
        }
        this.log?.(`create "${title}": request outcome unknown (${failure.kind}); adopted space ${found.space_id} created by that attempt`);
        return found;
      }
      const wait = retryDelayMs(round, this.backoff());
      if (Date.now() + wait >= settleUntil) break;
      this.log?.(`create "${title}": request outcome unknown (${failure.kind}) and no such space yet; looking again in ${wait} ms`);
      await sleep(wait);
    }
    if (finished) return "not-created";
    throw lost(`no space titled "${title}" has appeared${folder ? ` in ${folder}` : ""}`);
  }

  /** One look (see awaitLostCreate) through a fresh listing. */
  private async findLostCreate(
    title: string,
    folder: string | undefined,
    failure: GenieApiError,
    startedAt: number,
    deadline: number,
    known: Set<string> | undefined,
  ): Promise<GenieSpaceRecord | undefined> {
    const notBefore = startedAt - this.opts.clockSkewMs;
    const candidates: { space: GenieSpaceRecord; created: number }[] = [];
    const undated: string[] = [];
    for await (const s of this.iterateSpaces(100, "create", title, deadline)) {
      if (this.titles.isClaimed(s.space_id) || known?.has(s.space_id)) continue;
      if (s.title !== title && !isDedupOf(s.title, title)) continue;
      if (folder !== undefined && normalizeFolder(s.parent_path ?? "") !== folder) continue;
      const created = s.create_time ? Date.parse(s.create_time) : NaN;
      if (Number.isNaN(created)) {
        undated.push(s.space_id);
        continue;
      }
      if (created >= notBefore) candidates.push({ space: s, created });
    }
    if (candidates.length > 1) {
      // Two new spaces with this title since the POST: one is ours, the other someone else's,
      // and nothing tells them apart. Never guess (or trash) here.
      const ids = candidates.map((c) => `${c.space.space_id} ("${c.space.title}")`).join(", ");
      throw new GenieApiError({
        kind: failure.kind,
        apiMessage:
          `the answer to the create was lost (${failure.apiMessage}) and spaces ${ids} have appeared with this title in the folder since it was sent; ` +
          `one of them is most likely the space it created, but nothing tells which. Check them in the Genie UI, then adopt the right one (adoptSpaceId) or trash it and run again.`,
        method: "POST",
        path: SPACES_PATH,
        operation: "create",
        label: title,
        retryable: false,
      });
    }
    if (candidates.length === 1) return this.readSpace(candidates[0].space.space_id, true, title, "create", deadline);
    if (undated.length > 0) {
      // Same title and folder, but no create_time to tell a new space from an older one
      // (older backends): adopting could take a stranger's space, re-sending could duplicate.
      throw new GenieApiError({
        kind: failure.kind,
        apiMessage:
          `the answer to the create was lost (${failure.apiMessage}) and spaces ${undated.join(", ")} have the same title and folder, ` +
          `but the API gives no creation time to tell whether one of them was created by this request; not sending the create again to avoid a duplicate. ` +
          `Check them in the Genie UI, then adopt the right one (adoptSpaceId) or trash it and run again.`,
        method: "POST",
        path: SPACES_PATH,
        operation: "create",
        label: title,
        retryable: false,
      });
    }
    return undefined;
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

/** The default test of CreateSpaceOptions.isSameSpace: the fields the server stores as sent. */
function sentFields(body: CreateSpaceRequest): (candidate: GenieSpaceRecord) => boolean {
  return (c) =>
    (c.warehouse_id === undefined || c.warehouse_id === body.warehouse_id) &&
    (body.description === undefined || body.description === "" || (c.description ?? "") === body.description);
}

/** Only the fields actually given (PATCH semantics: absent = unchanged). */
function definedFields<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}

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
