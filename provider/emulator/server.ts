/**
 * The Genie emulator: a real node:http server on 127.0.0.1 that behaves like the Genie space
 * management API (genie-api.md §7), with fault injection and test hooks.
 */
import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { ApiError, errorBody, invalidParameter, notFound } from "./api-error";
import { Credentials, generatePat } from "./credentials";
import { FaultInjector, parseFaultSpec } from "./faults";
import { FolderTree, checkAbsolutePath } from "./folders";
import { PERMISSIONS_PATH, PermissionsModel, type PermissionsCaller } from "./permissions-api";
import { SqlWarehouse } from "./sql-api";
import { CreateInput, SpaceStore, StoreSettings } from "./space-store";
import { TokenBucket } from "./token-bucket";
import {
  EmulatorHandle,
  EmulatorOptions,
  FaultKind,
  FaultRule,
  PermissionLevel,
  AclLevel,
  PrincipalRef,
  PrincipalRegistryOptions,
  RequestLogEntry,
  SpaceEdit,
  StoredSpace,
  UiSpaceCreate,
} from "./types";

const SPACES = "/api/2.0/genie/spaces";
const SPACE_PATH = /^\/api\/2\.0\/genie\/spaces\/([^/]+)$/;
const MAX_LOGGED_REQUESTS = 100_000;
const DEFAULT_USER = "dev@example.com";

type Resolved = Required<Omit<EmulatorOptions, "log" | "port" | "catalog" | "principals">> &
  Pick<EmulatorOptions, "log" | "port" | "catalog" | "principals">;

function resolveOptions(options: EmulatorOptions, token: string): Resolved {
  const user = options.user ?? DEFAULT_USER;
  return {
    port: options.port ?? 0,
    token,
    tokens: options.tokens ?? [],
    oauthClients: options.oauthClients ?? [],
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    user,
    strict: options.strict ?? true,
    optionalRules: options.optionalRules ?? false,
    latencyMs: options.latencyMs ?? 0,
    rateLimit: options.rateLimit ?? 0,
    trashDelayMs: options.trashDelayMs ?? 0,
    readLagMs: options.readLagMs ?? 0,
    titleDedup: options.titleDedup ?? true,
    defaultTitle: options.defaultTitle ?? "Untitled",
    folders: options.folders ?? [`/Users/${user}`, "/Shared"],
    missingFolderStyle: options.missingFolderStyle ?? "modern",
    pageSizeOver100: options.pageSizeOver100 ?? "reject",
    secondDelete: options.secondDelete ?? 404,
    catalog: options.catalog,
    faults: options.faults ?? [],
    principals: options.principals,
    log: options.log,
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Raw text body (non-JSON faults). */
  text?: string;
}

const ok = (body: unknown): Reply => ({ status: 200, body });

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function isForm(req: IncomingMessage): boolean {
  return (req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded");
}

/** Parsed body for the request log; secrets never recorded. */
function bodyForLog(raw: string, form: boolean): unknown {
  if (raw === "") return undefined;
  let parsed: unknown;
  if (form) parsed = Object.fromEntries(new URLSearchParams(raw));
  else {
    try {
      parsed = JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (isRecord(parsed)) {
    for (const key of ["client_secret", "token", "access_token"]) if (key in parsed) parsed[key] = "***";
  }
  return parsed;
}

function parseJsonBody(raw: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - failed to parse");
  }
  if (!isRecord(parsed)) {
    throw new ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - expected a map");
  }
  return parsed;
}

function parseJsonValue(raw: string): unknown {
  try {
    return JSON.parse(raw || "[]");
  } catch {
    throw new ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the request - failed to parse");
  }
}

/** Optional string request fields: absent/null → undefined; anything but a string → 400. */
function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    if (field === "serialized_space") {
      // genie-api.md §2: serialized_space is JSON text; sending a nested object is a client error.
      throw invalidParameter(
        `Invalid JSON in field 'serialized_space': Expected 'VALUE_STRING' not '${Array.isArray(v) ? "START_ARRAY" : typeof v === "object" ? "START_OBJECT" : "VALUE_" + typeof v}' (serialized_space must be a JSON string)`,
      );
    }
    throw invalidParameter(`Invalid value for field '${field}': expected a string`);
  }
  return v;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const v = optionalString(body, field);
  if (!v) throw invalidParameter(`Missing required field: ${field}`);
  return v;
}

const FAULT_ERRORS: Partial<Record<FaultKind, [number, string, string]>> = {
  "429": [429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again."],
  "429-no-retry-after": [429, "REQUEST_LIMIT_EXCEEDED", "Too many requests. Please wait a moment and try again."],
  "503": [503, "TEMPORARILY_UNAVAILABLE", "The service is temporarily unavailable. Please try again later."],
  "500": [500, "INTERNAL_ERROR", "Internal error. Please try again later."],
  "502": [502, "BAD_GATEWAY", "Bad Gateway: the upstream service did not answer."],
  "504": [504, "DEADLINE_EXCEEDED", "The request timed out before the server could answer."],
  "400": [400, "INVALID_PARAMETER_VALUE", "Invalid request (injected fault)."],
};

const htmlPage = (status: number) =>
  `<html>\r\n<head><title>${status} Error</title></head>\r\n<body>\r\n<center><h1>${status} Error</h1></center>\r\n<hr><center>emulated proxy</center>\r\n</body>\r\n</html>\r\n`;

function faultReply(rule: FaultRule): Reply {
  if (rule.kind === "html") {
    const status = rule.status ?? 502;
    return { status, body: undefined, text: htmlPage(status), headers: { "Content-Type": "text/html" } };
  }
  const [status, code, defaultMessage] = FAULT_ERRORS[rule.kind] ?? [500, "INTERNAL_ERROR", "Injected fault"];
  const message = rule.message ?? defaultMessage;
  const headers: Record<string, string> = {};
  if (rule.kind === "429") headers["Retry-After"] = String(rule.retryAfterSeconds ?? 1);
  return { status, body: new ApiError(status, code, message, headers), headers };
}

class Emulator {
  opts: Resolved;
  readonly store: SpaceStore;
  private folderTree: FolderTree;
  readonly credentials: Credentials;
  readonly faults: FaultInjector;
  readonly permissions: PermissionsModel;
  private bucket?: TokenBucket;
  private catalog?: ReadonlySet<string>;
  readonly sql = new SqlWarehouse();
  private log: RequestLogEntry[] = [];
  server!: Server;
  url = "";

  constructor(private readonly initial: Resolved) {
    this.opts = { ...initial };
    this.folderTree = new FolderTree(initial.folders);
    this.credentials = new Credentials([initial.token, ...initial.tokens], initial.oauthClients, initial.accessTokenTtlSeconds);
    this.faults = new FaultInjector(initial.faults);
    this.store = new SpaceStore(
      () => this.storeSettings(),
      () => this.folderTree,
    );
    this.configureRateLimit();
    this.catalog = initial.catalog && new Set(initial.catalog);
    this.permissions = new PermissionsModel(
      () => ({ user: this.opts.user, oauthClientIds: this.opts.oauthClients.map((c) => c.clientId), principals: this.opts.principals }),
      (id) => {
        const space = this.store.snapshot(id);
        return space && { parentPath: space.parent_path, trashed: space.trashed };
      },
    );
  }

  private storeSettings(): StoreSettings {
    const o = this.opts;
    return {
      user: o.user,
      strict: o.strict,
      optionalRules: o.optionalRules,
      titleDedup: o.titleDedup,
      defaultTitle: o.defaultTitle,
      trashDelayMs: o.trashDelayMs,
      readLagMs: o.readLagMs,
      missingFolderStyle: o.missingFolderStyle,
      pageSizeOver100: o.pageSizeOver100,
      secondDelete: o.secondDelete,
      // Tables made through the SQL API exist too (the newcomer's demo data).
      catalog: this.catalog && this.sql.catalogWith(this.catalog),
    };
  }

  private configureRateLimit(): void {
    this.bucket = this.opts.rateLimit > 0 ? new TokenBucket(this.opts.rateLimit, Date.now()) : undefined;
  }

  get folders(): FolderTree {
    return this.folderTree;
  }

  reset(): void {
    this.opts = { ...this.initial };
    this.store.reset();
    this.folderTree = new FolderTree(this.initial.folders);
    this.faults.set(this.initial.faults);
    this.credentials.configure([this.initial.token, ...this.initial.tokens], this.initial.oauthClients, this.initial.accessTokenTtlSeconds);
    this.credentials.clearSessions();
    this.log = [];
    this.configureRateLimit();
    this.catalog = this.initial.catalog && new Set(this.initial.catalog);
    this.permissions.reset();
    this.sql.reset();
  }

  setOptions(partial: Partial<EmulatorOptions>): void {
    const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
    this.opts = { ...this.opts, ...defined };
    if ("token" in defined || "tokens" in defined || "oauthClients" in defined || "accessTokenTtlSeconds" in defined) {
      this.credentials.configure([this.opts.token, ...this.opts.tokens], this.opts.oauthClients, this.opts.accessTokenTtlSeconds);
    }
    if ("faults" in defined) this.faults.set(this.opts.faults);
    if ("folders" in defined) this.folderTree = new FolderTree(this.opts.folders);
    if ("rateLimit" in defined) this.configureRateLimit();
    if ("catalog" in partial) this.catalog = partial.catalog && new Set(partial.catalog);
    // New identities join the principal registry (existing grants stay).
    if (defined.user) this.permissions.addUser(this.opts.user);
    for (const c of partial.oauthClients ?? []) this.permissions.addServicePrincipal(c.clientId);
    for (const u of partial.principals?.users ?? []) this.permissions.addUser(u);
    for (const sp of partial.principals?.servicePrincipals ?? []) this.permissions.addServicePrincipal(sp);
    for (const [g, members] of Object.entries(partial.principals?.groups ?? {})) this.permissions.addGroup(g, members);
  }

  /** Per-token model and the permissions API's view of it stay in step (see permissions-api.ts). */
  setTokenPermission(id: string, credential: string, level: PermissionLevel): void {
    this.store.setPermission(id, credential, level);
    this.permissions.setTokenLevel(id, credential, level);
  }

  /** Who a request acts as: every PAT is the emulator's user; an OAuth token is its service principal. */
  private callerOf(req: IncomingMessage, credential: string): PermissionsCaller {
    const oauth = credential !== this.bearer(req);
    return { credential, identity: oauth ? { servicePrincipalName: credential } : { userName: this.opts.user } };
  }

  requests(): RequestLogEntry[] {
    return this.log.map((e) => ({ ...e, query: { ...e.query } }));
  }

  clearRequests(): void {
    this.log = [];
  }

  private record(entry: RequestLogEntry): void {
    this.log.push(entry);
    if (this.log.length > MAX_LOGGED_REQUESTS) this.log.splice(0, this.log.length - MAX_LOGGED_REQUESTS);
  }

  // ---- transport -----------------------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    let raw: string;
    try {
      raw = await readBody(req);
    } catch {
      req.socket.destroy();
      return;
    }

    if (path === "/__emulator" || path.startsWith("/__emulator/")) {
      this.send(res, await this.safely(() => this.control(req, method, path, query, raw)), requestId);
      return;
    }

    const entry: RequestLogEntry = {
      method,
      path,
      query,
      body: bodyForLog(raw, isForm(req)),
      status: 0,
      time: started,
      requestId,
    };
    this.record(entry);

    const decision = this.faults.decide(method, path, raw);
    const delay = this.opts.latencyMs + decision.latencyMs;
    if (delay > 0) await sleep(delay);
    const fault = decision.fault;
    if (fault) entry.fault = fault.kind;

    let reply: Reply | undefined;
    if (fault?.kind === "reset") {
      // Connection reset before any answer: nothing was committed.
      this.finish(entry, 0, started);
      req.socket.destroy();
      return;
    }
    if (fault && fault.kind !== "reset-after-commit") reply = faultReply(fault);
    if (!reply && this.bucket) {
      const wait = this.bucket.take(Date.now());
      if (wait > 0) {
        reply = {
          status: 429,
          body: new ApiError(429, "REQUEST_LIMIT_EXCEEDED", "Rate limit exceeded for this workspace. Please retry later.", {
            "Retry-After": String(wait),
          }),
          headers: { "Retry-After": String(wait) },
        };
      }
    }
    if (!reply) reply = await this.safely(() => this.route(req, method, path, query, raw));

    if (fault?.kind === "reset-after-commit") {
      // The operation took effect, but the client never hears back (genie-api.md §7; issue 2 §4).
      this.finish(entry, 0, started);
      req.socket.destroy();
      return;
    }
    this.send(res, reply, requestId);
    this.finish(entry, reply.status, started);
  }

  private finish(entry: RequestLogEntry, status: number, started: number): void {
    entry.status = status;
    const ms = Date.now() - started;
    // Only method, path and status: never headers, query or bodies (they may carry secrets).
    this.opts.log?.(`${entry.method} ${entry.path} ${status === 0 ? "RESET" : status} ${ms}ms${entry.fault ? ` [fault ${entry.fault}]` : ""}`);
  }

  private async safely(fn: () => Reply | Promise<Reply>): Promise<Reply> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ApiError) return { status: e.status, body: e, headers: e.headers };
      return { status: 500, body: new ApiError(500, "INTERNAL_ERROR", `Emulator error: ${(e as Error).message}`) };
    }
  }

  private send(res: ServerResponse, reply: Reply, requestId: string): void {
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...(reply.headers ?? {}) };
    let text: string;
    if (reply.text !== undefined) {
      text = reply.text;
    } else {
      const body = reply.body instanceof ApiError ? errorBody(reply.body, requestId) : reply.body;
      text = JSON.stringify(body ?? {});
      headers["Content-Type"] = "application/json";
    }
    res.writeHead(reply.status, { ...headers, "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }

  // ---- the API -------------------------------------------------------------------------------

  private bearer(req: IncomingMessage): string | undefined {
    const header = req.headers.authorization ?? "";
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return m ? m[1] : undefined;
  }

  /** Returns the calling principal (the PAT, or the OAuth client id). */
  private requireAuth(req: IncomingMessage): string {
    const token = this.bearer(req);
    if (!token) {
      throw new ApiError(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.");
    }
    if (!this.credentials.isValidBearer(token, Date.now())) {
      throw new ApiError(401, "UNAUTHENTICATED", "Invalid access token.");
    }
    return this.credentials.principalOf(token);
  }

  private baseUrl(req: IncomingMessage): string {
    return req.headers.host ? `http://${req.headers.host}` : this.url;
  }

  private route(req: IncomingMessage, method: string, path: string, query: Record<string, string>, raw: string): Reply {
    // Public OIDC discovery + token endpoints (genie-api.md §4), no bearer needed.
    if (method === "GET" && path === "/oidc/.well-known/oauth-authorization-server") {
      const base = this.baseUrl(req);
      return ok({
        issuer: `${base}/oidc`,
        authorization_endpoint: `${base}/oidc/v1/authorize`,
        token_endpoint: `${base}/oidc/v1/token`,
        jwks_uri: `${base}/oidc/jwks.json`,
        grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        scopes_supported: ["all-apis", "offline_access", "openid", "profile", "email"],
      });
    }
    if (method === "GET" && path === "/.well-known/databricks-config") {
      return ok({
        oidc_endpoint: `${this.baseUrl(req)}/oidc`,
        workspace_id: "1234567890123456",
        cloud: "aws",
        host_type: "workspace",
      });
    }
    if (method === "POST" && path === "/oidc/v1/token") return this.issueToken(req, raw);

    const caller = this.requireAuth(req);
    const now = Date.now();
    if (path === SPACES) {
      if (method === "POST") {
        const created = this.store.create(this.createInput(parseJsonBody(raw)), now);
        this.permissions.spaceCreated(created.space_id, this.callerOf(req, caller).identity);
        return ok(created);
      }
      if (method === "GET") return ok(this.store.list(query.page_size, query.page_token, now, caller));
    }
    const m = SPACE_PATH.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (method === "GET") {
        const include = query.include_serialized_space;
        if (include !== undefined && include !== "true" && include !== "false") {
          throw invalidParameter(`Invalid value for include_serialized_space: '${include}' (expected true or false)`);
        }
        return ok(this.store.get(id, include === "true", now, caller));
      }
      if (method === "PATCH") {
        return ok(this.store.update(id, this.patchInput(parseJsonBody(raw)), now, { lag: true, caller }));
      }
      if (method === "DELETE") {
        this.store.trash(id, now, caller);
        return ok({});
      }
    }
    if (path.startsWith("/api/2.0/sql/statements")) {
      const answer = this.sql.route(method, path, () => parseJsonBody(raw));
      if (answer !== undefined) return ok(answer);
    }
    const acl = PERMISSIONS_PATH.exec(path);
    if (acl) {
      const id = decodeURIComponent(acl[1]);
      const who = this.callerOf(req, caller);
      if (method === "GET") return ok(this.permissions.get(id, who));
      if (method === "PUT") return ok(this.permissions.replace(id, parseJsonBody(raw), who));
      if (method === "PATCH") return ok(this.permissions.update(id, parseJsonBody(raw), who));
    }
    if (method === "POST" && path === "/api/2.0/workspace/mkdirs") {
      const folder = checkAbsolutePath("path", requiredString(parseJsonBody(raw), "path"));
      this.folders.mkdirs(folder);
      return ok({});
    }
    if (method === "GET" && path === "/api/2.0/workspace/get-status") {
      const folder = checkAbsolutePath("path", query.path ?? "");
      if (!this.folders.has(folder)) throw notFound(`Path (${query.path}) doesn't exist.`);
      return ok({ object_type: "DIRECTORY", path: query.path });
    }
    if (method === "GET" && path === "/api/2.0/preview/scim/v2/Me") {
      const identity = this.callerOf(req, caller).identity;
      if ("servicePrincipalName" in identity) {
        // A service principal's userName is its application id (SCIM /Me as the workspace answers it).
        const appId = identity.servicePrincipalName;
        return ok({ id: "1000000000000002", userName: appId, applicationId: appId, displayName: `Service principal ${appId}`, active: true });
      }
      return ok({ id: "1000000000000001", userName: this.opts.user, active: true });
    }
    // Unknown route: message shows the path without /api/2.0 (CLI acceptance genie/ask-endpoint-gone).
    const shown = path.startsWith("/api/2.0/") ? path.slice("/api/2.0".length) : path;
    throw new ApiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${shown}'`);
  }

  private createInput(body: Record<string, unknown>): CreateInput {
    return {
      warehouse_id: requiredString(body, "warehouse_id"),
      serialized_space: requiredString(body, "serialized_space"),
      title: optionalString(body, "title"),
      description: optionalString(body, "description"),
      parent_path: optionalString(body, "parent_path"),
    };
  }

  private patchInput(body: Record<string, unknown>): SpaceEdit & { etag?: string } {
    return {
      title: optionalString(body, "title"),
      description: optionalString(body, "description"),
      warehouse_id: optionalString(body, "warehouse_id"),
      parent_path: optionalString(body, "parent_path"),
      serialized_space: optionalString(body, "serialized_space"),
      etag: optionalString(body, "etag"),
    };
  }

  /** OAuth client_credentials grant; client auth by HTTP Basic or form fields (genie-api.md §4). */
  private issueToken(req: IncomingMessage, raw: string): Reply {
    const form = new URLSearchParams(raw);
    let clientId = form.get("client_id") ?? "";
    let clientSecret = form.get("client_secret") ?? "";
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    if (basic) {
      const decoded = Buffer.from(basic[1], "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon >= 0) {
        clientId = decodeURIComponent(decoded.slice(0, colon));
        clientSecret = decodeURIComponent(decoded.slice(colon + 1));
      }
    }
    const oauthError = (status: number, error: string, description: string): Reply => ({
      status,
      body: { error, error_description: description },
    });
    if (!clientId || !this.credentials.authenticateClient(clientId, clientSecret)) {
      return oauthError(401, "invalid_client", "Client authentication failed");
    }
    const grant = form.get("grant_type");
    if (grant !== "client_credentials") {
      return oauthError(400, "unsupported_grant_type", `Grant type '${grant ?? ""}' is not supported`);
    }
    return ok(this.credentials.issue(clientId, form.get("scope") || "all-apis", Date.now()));
  }

  // ---- /__emulator control endpoints -----------------------------------------------------------

  private control(req: IncomingMessage, method: string, path: string, query: Record<string, string>, raw: string): Reply {
    const token = this.bearer(req);
    if (!token || !this.credentials.mayControl(token, Date.now())) {
      throw new ApiError(401, "UNAUTHENTICATED", "The /__emulator endpoints need the emulator's bearer token.");
    }
    const sub = path.slice("/__emulator".length);
    const body = () => parseJsonBody(raw);
    const now = Date.now();
    const route = `${method} ${sub}`;
    if (route === "POST /reset") {
      this.reset();
      return ok({});
    }
    if (route === "GET /requests") return ok({ requests: this.requests() });
    if (route === "DELETE /requests") {
      this.clearRequests();
      return ok({});
    }
    if (route === "GET /faults") return ok({ faults: this.faults.list().map(faultToJson) });
    if (route === "PUT /faults") {
      const rules = faultsFromJson(parseJsonValue(raw));
      try {
        this.faults.set(rules);
      } catch (e) {
        throw invalidParameter((e as Error).message);
      }
      return ok({});
    }
    if (route === "PATCH /options") {
      this.setOptions(optionsFromJson(body()));
      return ok({});
    }
    if (route === "POST /revoke") {
      this.credentials.revoke(requiredString(body(), "token"));
      return ok({});
    }
    if (route === "GET /folders") return ok({ folders: this.folders.list() });
    if (route === "POST /folders") {
      this.folders.mkdirs(checkAbsolutePath("path", requiredString(body(), "path")));
      return ok({});
    }
    if (route === "GET /spaces") return ok({ spaces: this.store.all(query.include_trashed === "true") });
    if (route === "POST /spaces") return ok(this.uiCreate(body() as unknown as UiSpaceCreate, now));
    const aclHook = this.aclControl(method, sub, body);
    if (aclHook) return aclHook;
    const m = /^\/spaces\/([^/]+)(?:\/(ui-edit|trash|restore|migrate|permissions))?$/.exec(sub);
    if (m) {
      const id = decodeURIComponent(m[1]);
      const action = m[2];
      if (method === "GET" && !action) {
        const space = this.store.snapshot(id);
        if (!space) throw notFound(`No space ${id}`);
        return ok(space);
      }
      if (method === "POST" && action === "ui-edit") return ok(this.store.uiEdit(id, this.patchInput(body()), now));
      if (method === "POST" && action === "trash") {
        this.store.uiTrash(id, now);
        return ok({});
      }
      if (method === "POST" && action === "restore") {
        this.store.restore(id);
        return ok({});
      }
      if (method === "POST" && action === "migrate") return ok(this.store.migrate(id));
      if (method === "POST" && action === "permissions") {
        const b = body();
        const level = requiredString(b, "level");
        if (!["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE", "NONE"].includes(level)) {
          throw invalidParameter(`Invalid permission level '${level}'`);
        }
        this.setTokenPermission(id, requiredString(b, "principal"), level as PermissionLevel);
        return ok({});
      }
    }
    throw new ApiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} /__emulator${sub}'`);
  }

  /**
   * Permissions-API hooks over HTTP, for an emulator in another process (permissions-api.ts):
   * GET /__emulator/acl/{id}, POST /__emulator/acl/{id}/ui-grant|ui-revoke {principal, level},
   * POST /__emulator/folder-grants {folder, principal, level|null}, POST /__emulator/principals {users, groups, servicePrincipals}.
   */
  private aclControl(method: string, sub: string, body: () => Record<string, unknown>): Reply | undefined {
    const m = /^\/acl\/([^/]+)(?:\/(ui-grant|ui-revoke))?$/.exec(sub);
    const principal = (b: Record<string, unknown>) => {
      if (!isRecord(b.principal)) throw invalidParameter('principal must be { "userName" | "groupName" | "servicePrincipalName": "..." }');
      return b.principal as unknown as PrincipalRef;
    };
    const guard = <T>(fn: () => T): T => {
      try {
        return fn();
      } catch (e) {
        if (e instanceof TypeError) throw invalidParameter(e.message);
        throw e;
      }
    };
    if (m && method === "GET" && !m[2]) return ok(this.permissions.view(decodeURIComponent(m[1])));
    if (m && method === "POST" && m[2]) {
      const b = body();
      const id = decodeURIComponent(m[1]);
      guard(() => (m[2] === "ui-grant" ? this.permissions.uiGrant(id, principal(b), requiredString(b, "level") as AclLevel) : this.permissions.uiRevoke(id, principal(b))));
      return ok(this.permissions.view(id));
    }
    if (method === "POST" && sub === "/folder-grants") {
      const b = body();
      const level = b.level === null ? null : (requiredString(b, "level") as AclLevel);
      guard(() => this.permissions.setFolderGrant(requiredString(b, "folder"), principal(b), level));
      return ok({});
    }
    if (method === "POST" && sub === "/principals") {
      const b = body() as PrincipalRegistryOptions;
      for (const u of b.users ?? []) this.permissions.addUser(u);
      for (const sp of b.servicePrincipals ?? []) this.permissions.addServicePrincipal(sp);
      for (const [g, members] of Object.entries(b.groups ?? {})) this.permissions.addGroup(g, members);
      return ok({});
    }
    return undefined;
  }

  uiCreate(space: UiSpaceCreate, now: number): StoredSpace {
    const body = space as unknown as Record<string, unknown>;
    const created = this.store.uiCreate(this.createInput(body), now);
    this.permissions.spaceCreated(created.space_id, { userName: this.opts.user });
    return created;
  }
}

function faultToJson(rule: FaultRule): Record<string, unknown> {
  const out: Record<string, unknown> = { ...rule };
  if (rule.path instanceof RegExp) {
    delete out.path;
    out.pathRegex = rule.path.source;
  }
  return out;
}

/** Accepts `[rules]`, `{"faults": [rules]}` or `{"spec": "POST:503:0.1"}`; `pathRegex` → RegExp. */
function faultsFromJson(json: unknown): FaultRule[] {
  if (isRecord(json) && typeof json.spec === "string") {
    try {
      return parseFaultSpec(json.spec);
    } catch (e) {
      throw invalidParameter((e as Error).message);
    }
  }
  const list = Array.isArray(json) ? json : isRecord(json) && Array.isArray(json.faults) ? json.faults : undefined;
  if (!list) throw invalidParameter("Expected a list of fault rules, {\"faults\": [...]} or {\"spec\": \"...\"}");
  return list.map((item: unknown) => {
    if (!isRecord(item)) throw invalidParameter("Each fault rule must be an object");
    const rule = { ...item } as Record<string, unknown>;
    if (typeof rule.pathRegex === "string") {
      rule.path = new RegExp(rule.pathRegex);
      delete rule.pathRegex;
    }
    return rule as unknown as FaultRule;
  });
}

const JSON_OPTION_KEYS: (keyof EmulatorOptions)[] = [
  "tokens",
  "oauthClients",
  "accessTokenTtlSeconds",
  "user",
  "strict",
  "optionalRules",
  "latencyMs",
  "rateLimit",
  "trashDelayMs",
  "readLagMs",
  "titleDedup",
  "defaultTitle",
  "folders",
  "missingFolderStyle",
  "pageSizeOver100",
  "secondDelete",
  "catalog",
  "principals",
];

function optionsFromJson(body: Record<string, unknown>): Partial<EmulatorOptions> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === "faults") out.faults = faultsFromJson(value);
    else if ((JSON_OPTION_KEYS as string[]).includes(key)) out[key] = value;
    else throw invalidParameter(`Unknown or unsupported emulator option '${key}'`);
  }
  return out as Partial<EmulatorOptions>;
}

/** Start a Genie emulator on 127.0.0.1 (port 0 = random). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const emulator = new Emulator(resolveOptions(options, options.token ?? generatePat()));
  const server = createServer((req, res) => {
    emulator.handle(req, res).catch(() => req.socket.destroy());
  });
  emulator.server = server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  emulator.url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  const now = () => Date.now();

  return {
    url: emulator.url,
    token: emulator.opts.token,
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
    reset: () => emulator.reset(),
    requests: () => emulator.requests(),
    clearRequests: () => emulator.clearRequests(),
    setFaults: (rules) => emulator.faults.set(rules),
    setOptions: (partial) => emulator.setOptions(partial),
    revokeToken: (token) => emulator.credentials.revoke(token),
    folders: {
      add: (path) => emulator.folders.mkdirs(checkAbsolutePath("path", path)),
      list: () => emulator.folders.list(),
    },
    spaces: {
      list: (opts) => emulator.store.all(opts?.includeTrashed ?? false),
      get: (id) => emulator.store.snapshot(id),
      uiEdit: (id, changes) => emulator.store.uiEdit(id, changes, now()),
      uiCreate: (space) => emulator.uiCreate(space, now()),
      trash: (id) => emulator.store.uiTrash(id, now()),
      restore: (id) => emulator.store.restore(id),
      migrate: (id) => emulator.store.migrate(id),
      setPermission: (id, principal, level) => emulator.setTokenPermission(id, principal, level),
    },
    permissions: {
      get: (id) => emulator.permissions.view(id),
      direct: (id) => emulator.permissions.directGrants(id),
      uiGrant: (id, principal, level) => emulator.permissions.uiGrant(id, principal, level),
      uiRevoke: (id, principal) => emulator.permissions.uiRevoke(id, principal),
      setFolderGrant: (folder, principal, level) => emulator.permissions.setFolderGrant(folder, principal, level),
      addUser: (name) => emulator.permissions.addUser(name),
      addGroup: (name, members) => emulator.permissions.addGroup(name, members),
      addServicePrincipal: (id) => emulator.permissions.addServicePrincipal(id),
    },
    tables: {
      list: () => emulator.sql.tableNames(),
      get: (identifier) => emulator.sql.table(identifier),
    },
  };
}
