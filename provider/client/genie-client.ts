// The Genie spaces REST client (genie-api.md §1): one method per endpoint, each a single HTTP
// request on the happy path, with retries, rate limiting and duplicate-safe creates layered in.
import pRetry = require("p-retry");
import type { Credentials } from "../auth";
import { redactSecrets } from "../auth";
import { parseRetryAfter, retryDelayMs } from "./backoff";
import { CURRENT_USER_PATH, permissionsRequest, type AccessControlRequest, type CurrentUserRecord, type SpacePermissionsRecord } from "./permissions";
import { GenieApiError, type GenieOperation, kindForStatus, parseErrorBody, excerpt, isNotFound, isPermissionDenied } from "./errors";
import { RateLimiter, rateLimiterFor } from "./rate-limiter";
import { exchange, TransportError } from "./transport";

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

export interface GenieClientOptions {
  host: string;
  credentials: Credentials;
  /** Per HTTP request (default 60 s). */
  requestTimeoutMs?: number;
  /** Per operation, across all retries (default 300 s). */
  operationTimeoutMs?: number;
  /** Client-side token bucket per host, shared by the whole process (default 20/s). */
  requestsPerSecond?: number;
  /** Bucket size (default = requestsPerSecond). */
  burst?: number;
  /** Cap on one retry wait, Retry-After included (default 30 s). */
  maxRetryDelayMs?: number;
  /** First backoff step (default 500 ms); tests use a few ms. */
  minRetryDelayMs?: number;
  /** HTTP attempts per request before giving up (default 10). */
  maxAttempts?: number;
  /** Clock skew allowed when matching a possibly-created space by create_time (default 5 s). */
  clockSkewMs?: number;
  logger?: (line: string) => void;
  userAgent?: string;
  /** Sent as `X-Databricks-Org-Id` (routing header for unified hosts, genie-api.md §1). */
  workspaceId?: string;
}

export interface GenieClientStats {
  /** HTTP requests sent to the Genie/workspace API by this client. */
  requests: number;
  /** Retries (of any cause) by this client. */
  retries: number;
  /** 429 answers seen by this client. */
  throttled: number;
}

const SPACES_PATH = "/api/2.0/genie/spaces";
const MKDIRS_PATH = "/api/2.0/workspace/mkdirs";
const DEFAULTS = {
  requestTimeoutMs: 60_000,
  operationTimeoutMs: 300_000,
  requestsPerSecond: 20,
  maxRetryDelayMs: 30_000,
  minRetryDelayMs: 500,
  maxAttempts: 10,
  clockSkewMs: 5_000,
};
/** POSTs repeated after a lookup found nothing (each lookup first). */
const MAX_CREATE_ROUNDS = 5;
const DEFAULT_USER_AGENT = "pulumi-genie/0.1 (+undici)";

type Method = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

interface CallSpec {
  operation: GenieOperation;
  label?: string;
  method: Method;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  deadline: number;
  /**
   * GET, DELETE, PATCH (we always send full field values) and mkdirs are safe to repeat after an
   * ambiguous failure; create is not (issue #2 §2).
   */
  idempotent: boolean;
}

interface CallResult {
  status: number;
  json: unknown;
  attempts: number;
}

/** Marks errors whose request may have been processed by the server although we got no answer. */
const ambiguous = new WeakSet<GenieApiError>();
/** Marks errors whose request provably never reached the server (connection refused, token fetch). */
const notSent = new WeakSet<GenieApiError>();
/** Marks errors that follow an earlier attempt which may have taken effect (e.g. a DELETE reset after commit). */
const afterPossiblyApplied = new WeakSet<GenieApiError>();
/** Marks errors that end the operation outright (its deadline has passed). */
const final = new WeakSet<GenieApiError>();

export class GenieClient {
  readonly host: string;
  private readonly credentials: Credentials;
  private readonly opts: Required<Omit<GenieClientOptions, "logger" | "host" | "credentials" | "burst" | "workspaceId">> & { burst: number; workspaceId?: string };
  private readonly limiter: RateLimiter;
  private readonly log?: (line: string) => void;
  private readonly counters: GenieClientStats = { requests: 0, retries: 0, throttled: 0 };

  constructor(opts: GenieClientOptions) {
    this.host = opts.host.replace(/\/+$/, "");
    this.credentials = opts.credentials;
    const requestsPerSecond = opts.requestsPerSecond ?? DEFAULTS.requestsPerSecond;
    this.opts = {
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      operationTimeoutMs: opts.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs,
      requestsPerSecond,
      // Half a second's worth: a server bucket of the same rate then keeps half a second of slack,
      // which absorbs network jitter instead of answering 429 (measured: 10 × 429 per 200 creates
      // with a full second's burst against a 20 req/s server, none with half).
      burst: opts.burst ?? Math.max(1, Math.ceil(requestsPerSecond / 2)),
      maxRetryDelayMs: opts.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
      minRetryDelayMs: opts.minRetryDelayMs ?? Math.min(DEFAULTS.minRetryDelayMs, opts.maxRetryDelayMs ?? Infinity),
      maxAttempts: opts.maxAttempts ?? DEFAULTS.maxAttempts,
      clockSkewMs: opts.clockSkewMs ?? DEFAULTS.clockSkewMs,
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
      workspaceId: opts.workspaceId,
    };
    this.limiter = rateLimiterFor(
      this.host,
      { requestsPerSecond: this.opts.requestsPerSecond, burst: this.opts.burst },
      opts.requestsPerSecond !== undefined || opts.burst !== undefined,
    );
    if (opts.logger) {
      const logger = opts.logger;
      this.log = (line) => logger(redactSecrets(line));
    }
  }

  stats(): GenieClientStats {
    return { ...this.counters };
  }

  // ---- endpoints -------------------------------------------------------------------------

  /**
   * POST /api/2.0/genie/spaces. Never blindly re-POSTs after an ambiguous failure: first looks for
   * the space the lost attempt may have created and adopts it (issue #2 §2).
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
        if (e instanceof GenieApiError && ambiguous.has(e)) {
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
          this.counters.retries++;
          this.log?.(`create "${label}": request outcome unknown (${e.kind}) and no such space exists; retrying POST in ${delay} ms`);
          await sleep(delay);
          continue;
        }
        if (!folderCreated && opts.createMissingFolder !== false && body.parent_path && isMissingFolderError(e, body.parent_path, "create")) {
          // genie-api.md §3: the parent folder must exist; DABs/TF mkdir and retry once.
          folderCreated = true;
          this.log?.(`create "${label}": parent folder ${body.parent_path} is missing; creating it`);
          await this.mkdirsWithin(body.parent_path, deadline);
          continue;
        }
        throw e;
      }
    }
  }

  /** GET /api/2.0/genie/spaces/{id}; `includeSerializedSpace` also returns the etag (genie-api.md §5.3). */
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
    let res: CallResult;
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
   * reports missing — means it is already gone (genie-api.md §5.4, TF PR #5770).
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
        return { alreadyGone: !afterPossiblyApplied.has(e as GenieApiError) };
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

  // ---- permissions (./permissions.ts; genie-api.md §1 "ACLs") ------------------------------

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
    const wantedParent = body.parent_path !== undefined ? normaliseFolder(body.parent_path) : undefined;
    const notBefore = startedAt - this.opts.clockSkewMs;
    const claimed = claimedSpaces(this.host);
    let best: { id: string; created: number } | undefined;
    const undated: string[] = [];
    for await (const s of this.iterateSpaces(100, "create", body.title, deadline)) {
      if (claimed.has(s.space_id) || !titleMatches(s.title, body.title ?? "")) continue;
      if (wantedParent !== undefined && normaliseFolder(s.parent_path ?? "") !== wantedParent) continue;
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
    return { minDelayMs: this.opts.minRetryDelayMs, maxDelayMs: this.opts.maxRetryDelayMs };
  }

  private toRecord(json: unknown, operation: GenieOperation, label: string | undefined, method: Method, path: string): GenieSpaceRecord {
    if (!json || typeof json !== "object" || typeof (json as GenieSpaceRecord).space_id !== "string") {
      throw new GenieApiError({ kind: "server", apiMessage: "response has no space_id", method, path, operation, label });
    }
    return json as GenieSpaceRecord;
  }

  /** One logical request: rate limit, auth, send, classify; retried per the policy in `decideRetry`. */
  private async call(spec: CallSpec): Promise<CallResult> {
    let attempts = 0;
    let authRetried = false;
    let retryNo = 0;
    let earlierMayHaveApplied = false;
    return pRetry(
      async () => {
        attempts++;
        const res = await this.attempt(spec);
        return { ...res, attempts };
      },
      {
        // Waits are computed here (Retry-After aware) rather than by `retry`'s fixed schedule.
        retries: this.opts.maxAttempts + 1,
        minTimeout: 0,
        maxTimeout: 0,
        factor: 1,
        randomize: false,
        onFailedAttempt: async (failure) => {
          const e = failure as unknown as GenieApiError;
          if (!(e instanceof GenieApiError)) throw failure;
          e.attempts = attempts;
          if (earlierMayHaveApplied) afterPossiblyApplied.add(e);
          if (e.status === 401 && !authRetried) {
            // A cached OAuth token may have been revoked or expired early: refresh once.
            authRetried = true;
            this.credentials.invalidate();
            this.counters.retries++;
            this.log?.(`${spec.method} ${spec.path}: 401, refreshing credentials and retrying once`);
            return;
          }
          const verdict = this.decideRetry(e, spec);
          e.retryable = verdict !== "stop";
          if (verdict === "ambiguous") {
            ambiguous.add(e);
            throw e;
          }
          if (verdict === "stop" || attempts >= this.opts.maxAttempts) throw e;
          retryNo++;
          const delay = retryDelayMs(retryNo, this.backoff(), e.retryAfterMs);
          if (Date.now() + delay >= spec.deadline) throw e;
          // 429/503 and never-sent requests were not processed; anything else might have been.
          if (e.status !== 429 && e.status !== 503 && !notSent.has(e)) earlierMayHaveApplied = true;
          this.counters.retries++;
          this.log?.(`${spec.method} ${spec.path}: ${e.status ?? e.kind}${e.errorCode ? ` ${e.errorCode}` : ""}; retry ${retryNo} in ${delay} ms`);
          await sleep(delay);
        },
      },
    );
  }

  private decideRetry(e: GenieApiError, spec: CallSpec): "retry" | "stop" | "ambiguous" {
    if (final.has(e)) return "stop";
    // 429 / 503: the server did not process the request, so even a create is safe to repeat.
    if (e.status === 429 || e.status === 503) return "retry";
    const transient =
      e.kind === "connection" || e.kind === "timeout" || e.status === 500 || e.status === 502 || e.status === 504 || (e.kind === "server" && e.status !== undefined && e.status < 300);
    if (!transient) return "stop";
    if (notSent.has(e) || spec.idempotent) return "retry";
    return "ambiguous";
  }

  private async attempt(spec: CallSpec): Promise<{ status: number; json: unknown }> {
    const base = { method: spec.method, path: spec.path, operation: spec.operation, label: spec.label };
    const deadlineError = (detail: string): GenieApiError => {
      const err = new GenieApiError({ ...base, kind: "timeout", apiMessage: `operation deadline of ${this.opts.operationTimeoutMs} ms exceeded (${detail})` });
      final.add(err);
      return err;
    };

    if (Date.now() >= spec.deadline) throw deadlineError("before sending");
    try {
      await this.limiter.acquire(spec.deadline);
    } catch {
      throw deadlineError("waiting for the client-side rate limit");
    }

    let authorization: string;
    try {
      authorization = await this.credentials.authorization();
    } catch (e) {
      const err = e as { message?: string; retryable?: boolean; status?: number };
      const transient = err.retryable === true;
      const failure = new GenieApiError({
        ...base,
        kind: transient ? "connection" : "unauthenticated",
        apiMessage: redactSecrets(err.message ?? "cannot obtain credentials"),
      });
      notSent.add(failure);
      throw failure;
    }

    const timeoutMs = Math.max(1, Math.min(this.opts.requestTimeoutMs, spec.deadline - Date.now()));
    const query = spec.query ? new URLSearchParams(Object.entries(spec.query).filter((kv): kv is [string, string] => kv[1] !== undefined)).toString() : "";
    const headers: Record<string, string> = {
      authorization,
      accept: "application/json",
      "user-agent": this.opts.userAgent,
    };
    const bodyText = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    if (bodyText !== undefined) headers["content-type"] = "application/json";
    if (this.opts.workspaceId) headers["x-databricks-org-id"] = this.opts.workspaceId;
    // The exact credential in use is scrubbed from anything the server or the network echoes back.
    const secret = authorization.replace(/^\S+\s+/, "");

    this.counters.requests++;
    const started = Date.now();
    let res;
    try {
      res = await exchange({ method: spec.method, host: this.host, path: query ? `${spec.path}?${query}` : spec.path, headers, body: bodyText, timeoutMs });
    } catch (e) {
      const t = e instanceof TransportError ? e : new TransportError(String((e as Error)?.message ?? e), "UNKNOWN", false, true);
      this.log?.(`${spec.method} ${spec.path} → ${t.timedOut ? "timeout" : t.code} (${Date.now() - started} ms)`);
      const message = redactSecrets(t.message, [secret]);
      const failure = new GenieApiError({ ...base, kind: t.timedOut ? "timeout" : "connection", apiMessage: message, cause: { name: "TransportError", code: t.code, message } });
      if (!t.sent) notSent.add(failure);
      throw failure;
    }
    const requestId = headerValue(res.headers["x-request-id"]) ?? headerValue(res.headers["x-databricks-request-id"]);
    if (res.status >= 200 && res.status < 300) {
      this.limiter.onSuccess();
      this.log?.(`${spec.method} ${spec.path} → ${res.status} (${Date.now() - started} ms)`);
      if (res.text.trim() === "") return { status: res.status, json: {} };
      try {
        return { status: res.status, json: JSON.parse(res.text) };
      } catch {
        throw new GenieApiError({
          ...base,
          kind: "server",
          status: res.status,
          requestId,
          apiMessage: redactSecrets(`unparseable response body: ${excerpt(res.text)}`, [secret]),
        });
      }
    }
    const parsed = parseErrorBody(res.status, headerValue(res.headers["content-type"]), res.text);
    if (res.status === 429) {
      this.counters.throttled++;
      this.limiter.onThrottled();
    }
    this.log?.(`${spec.method} ${spec.path} → ${res.status}${parsed.errorCode ? ` ${parsed.errorCode}` : ""} (${Date.now() - started} ms)`);
    const retryAfterMs = parseRetryAfter(res.headers["retry-after"]) ?? parsed.retryAfterMs;
    throw new GenieApiError({
      ...base,
      kind: kindForStatus(res.status, parsed.errorCode, parsed.message),
      status: res.status,
      errorCode: parsed.errorCode,
      apiMessage: redactSecrets(parsed.message, [secret]),
      requestId: requestId ?? parsed.requestId,
      retryAfterMs,
    });
  }
}

// ---- pure helpers ----------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

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

/** Genie stores `parent_path` without the `/Workspace` prefix (genie-api.md §1.1). */
export function normaliseFolder(path: string): string {
  let p = path.trim().replace(/\/+$/, "");
  if (p === "/Workspace" || p.startsWith("/Workspace/")) p = p.slice("/Workspace".length);
  return p === "" ? "/" : p;
}

/** Workspace APIs address folders with the `/Workspace` prefix. */
export function withWorkspacePrefix(path: string): string {
  const p = normaliseFolder(path.startsWith("/") ? path : `/${path}`);
  return p === "/" ? "/Workspace" : `/Workspace${p}`;
}

/** Exact title, or the server's same-folder de-dup form `<title> YYYY-MM-DD HH:MM:SS` (genie-api.md §5.6). */
function titleMatches(actual: string, wanted: string): boolean {
  if (actual === wanted) return true;
  return actual.startsWith(`${wanted} `) && /^ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(actual.slice(wanted.length));
}

/** 404 RESOURCE_DOES_NOT_EXIST on create, or the legacy 400 "Tree node with path … does not exist" (genie-api.md §3). */
/**
 * A missing parent folder (genie-api.md §3: 404 RESOURCE_DOES_NOT_EXIST on newer backends, 400
 * "Tree node with path … does not exist" on older ones). On create the space does not exist yet,
 * so a not-found can only be the folder; on update it may be the space itself (trashed), so the
 * message must name the folder.
 */
function isMissingFolderError(e: unknown, folder: string, operation: "create" | "update"): boolean {
  if (!(e instanceof GenieApiError)) return false;
  if (e.status === 400 && /Tree node with path .* does not exist/i.test(e.apiMessage)) return true;
  if (e.status !== 404 || e.kind !== "not-found") return false;
  return operation === "create" || e.apiMessage.includes(normaliseFolder(folder));
}

/** Ids of spaces creates in this process returned, per host (see findCreatedSpace). */
const claimedByHost = new Map<string, Set<string>>();
function claimedSpaces(host: string): Set<string> {
  let set = claimedByHost.get(host);
  if (!set) claimedByHost.set(host, (set = new Set()));
  return set;
}
