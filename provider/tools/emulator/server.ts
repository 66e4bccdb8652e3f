/**
 * The Genie emulator: a real node:http server on 127.0.0.1 that behaves like the Genie space
 * management API (docs/genie-api.md §7), with fault injection and test hooks.
 */
import { IncomingMessage, Server, ServerResponse, createServer } from "node:http";
import { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { ApiError, errorBody, invalidParameter, notFound } from "./api-error";
import { generatePat } from "./credentials";
import { adoptExternalBearer, identityRoute } from "./identity/trust";
import { FaultInjector, parseFaultSpec } from "./faults";
import { checkAbsolutePath } from "./folders";
import { PERMISSIONS_PATH } from "./permissions-api";
import { CreateInput, SpaceIdSource } from "./space-store";
import { TokenBucket } from "./token-bucket";
import {
  DEFAULT_USER,
  DEFAULT_WORKSPACE,
  SharedSettings,
  WORKSPACE_OPTION_KEYS,
  Workspace,
  WorkspaceSettings,
  checkDistinctCredentials,
  resolveWorkspace,
} from "./workspace";
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
  WorkspaceHooks,
  WorkspaceView,
} from "./types";

const SPACES = "/api/2.0/genie/spaces";
const SPACE_PATH = /^\/api\/2\.0\/genie\/spaces\/([^/]+)$/;
const MAX_LOGGED_REQUESTS = 100_000;

type Resolved = Required<Omit<EmulatorOptions, "log" | "port" | "catalog" | "principals" | "workspaces">> &
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
    reassignIds: options.reassignIds ?? false,
    bodyInWriteAnswers: options.bodyInWriteAnswers ?? true,
    timestamps: options.timestamps ?? true,
    log: options.log,
  };
}

/** The top-level options as the "default" workspace. */
function defaultWorkspace(o: Resolved): WorkspaceSettings {
  return {
    name: DEFAULT_WORKSPACE,
    token: o.token,
    tokens: o.tokens,
    oauthClients: o.oauthClients,
    user: o.user,
    folders: o.folders,
    principals: o.principals,
    catalog: o.catalog,
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
      // docs/genie-api.md §2: serialized_space is JSON text; sending a nested object is a client error.
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
  readonly faults: FaultInjector;
  /** Every workspace, "default" first; a request's credential picks one. */
  readonly workspaces: Workspace[];
  private bucket?: TokenBucket;
  private log: RequestLogEntry[] = [];
  server!: Server;
  url = "";

  constructor(
    private readonly initial: Resolved,
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

  reset(): void {
    this.opts = { ...this.initial };
    this.faults.set(this.initial.faults);
    this.log = [];
    this.configureRateLimit();
    for (const ws of this.workspaces) ws.reset();
  }

  setOptions(partial: Partial<EmulatorOptions>): void {
    if (partial.workspaces !== undefined) throw new Error("The workspaces of an emulator are fixed when it starts");
    const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined));
    this.opts = { ...this.opts, ...defined };
    if ("faults" in defined) this.faults.set(this.opts.faults);
    if ("rateLimit" in defined) this.configureRateLimit();
    const own: Partial<WorkspaceSettings> = {};
    for (const key of WORKSPACE_OPTION_KEYS) if (key in partial) (own as Record<string, unknown>)[key] = partial[key];
    const ttlChanged = "accessTokenTtlSeconds" in defined;
    const before = { ...this.main.settings };
    this.main.configure(own, ttlChanged);
    try {
      checkDistinctCredentials(this.workspaces.map((w) => w.settings));
    } catch (e) {
      this.main.configure({ token: before.token, tokens: before.tokens, oauthClients: before.oauthClients });
      throw e;
    }
    if (ttlChanged) for (const ws of this.workspaces.slice(1)) ws.configure({}, true);
  }

  /** Revoke in the workspace that owns the credential (the default one for an unknown token). */
  revoke(token: string): void {
    (this.workspaceOf(token) ?? this.main).credentials.revoke(token);
  }

  requests(workspace?: string): RequestLogEntry[] {
    return this.log
      .filter((e) => workspace === undefined || e.workspace === workspace)
      .map((e) => ({ ...e, query: { ...e.query } }));
  }

  clearRequests(workspace?: string): void {
    this.log = workspace === undefined ? [] : this.log.filter((e) => e.workspace !== workspace);
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
    // The credential names the workspace (docs/genie-api.md §7 "token → workspace").
    adoptExternalBearer(this.url, req, this.workspaces);
    const workspace = this.workspaceOf(this.bearer(req));
    if (workspace) entry.workspace = workspace.name;
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
    if (!reply) reply = await this.safely(() => this.route(req, method, path, query, raw, entry));

    if (fault?.kind === "reset-after-commit") {
      // The operation took effect, but the client never hears back (docs/genie-api.md §7 "Failure injection"; docs/reliability.md).
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
    const where = entry.workspace && entry.workspace !== DEFAULT_WORKSPACE ? ` [workspace ${entry.workspace}]` : "";
    this.opts.log?.(`${entry.method} ${entry.path} ${status === 0 ? "RESET" : status} ${ms}ms${entry.fault ? ` [fault ${entry.fault}]` : ""}${where}`);
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

  /** The caller's workspace and who it acts as (the PAT, or the OAuth client id). */
  private requireAuth(req: IncomingMessage): { ws: Workspace; bearer: string; principal: string } {
    const token = this.bearer(req);
    if (!token) {
      throw new ApiError(401, "UNAUTHENTICATED", "Credential was not sent or was of an unsupported type for this API.");
    }
    const ws = this.workspaceOf(token);
    if (!ws || !ws.credentials.isValidBearer(token, Date.now())) {
      throw new ApiError(401, "UNAUTHENTICATED", "Invalid access token.");
    }
    return { ws, bearer: token, principal: ws.credentials.principalOf(token) };
  }

  private baseUrl(req: IncomingMessage): string {
    return req.headers.host ? `http://${req.headers.host}` : this.url;
  }

  private route(
    req: IncomingMessage,
    method: string,
    path: string,
    query: Record<string, string>,
    raw: string,
    entry: RequestLogEntry,
  ): Reply {
    const external = identityRoute(this.url, req, method, path, raw, this.workspaces);
    if (external) return external;
    // Public OIDC discovery + token endpoints (docs/genie-api.md §4), no bearer needed.
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
    if (method === "POST" && path === "/oidc/v1/token") return this.issueToken(req, raw, entry);

    const auth = this.requireAuth(req);
    const { ws } = auth;
    const caller = auth.principal;
    const who = () => ws.callerOf(auth.bearer, caller);
    const now = Date.now();
    if (path === SPACES) {
      if (method === "POST") {
        const created = ws.store.create(this.createInput(parseJsonBody(raw)), now);
        ws.permissions.spaceCreated(created.space_id, who().identity);
        return ok(created);
      }
      if (method === "GET") return ok(ws.store.list(query.page_size, query.page_token, now, caller));
    }
    const m = SPACE_PATH.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1]);
      if (method === "GET") {
        const include = query.include_serialized_space;
        if (include !== undefined && include !== "true" && include !== "false") {
          throw invalidParameter(`Invalid value for include_serialized_space: '${include}' (expected true or false)`);
        }
        return ok(ws.store.get(id, include === "true", now, caller));
      }
      if (method === "PATCH") {
        return ok(ws.store.update(id, this.patchInput(parseJsonBody(raw)), now, { lag: true, caller }));
      }
      if (method === "DELETE") {
        ws.store.trash(id, now, caller);
        return ok({});
      }
    }
    if (path.startsWith("/api/2.0/sql/statements")) {
      const answer = ws.sql.route(method, path, () => parseJsonBody(raw));
      if (answer !== undefined) return ok(answer);
    }
    const acl = PERMISSIONS_PATH.exec(path);
    if (acl) {
      const id = decodeURIComponent(acl[1]);
      if (method === "GET") return ok(ws.permissions.get(id, who()));
      if (method === "PUT") return ok(ws.permissions.replace(id, parseJsonBody(raw), who()));
      if (method === "PATCH") return ok(ws.permissions.update(id, parseJsonBody(raw), who()));
    }
    if (method === "POST" && path === "/api/2.0/workspace/mkdirs") {
      const folder = checkAbsolutePath("path", requiredString(parseJsonBody(raw), "path"));
      ws.folders.mkdirs(folder);
      return ok({});
    }
    if (method === "GET" && path === "/api/2.0/workspace/get-status") {
      const folder = checkAbsolutePath("path", query.path ?? "");
      if (!ws.folders.has(folder)) throw notFound(`Path (${query.path}) doesn't exist.`);
      return ok({ object_type: "DIRECTORY", path: query.path });
    }
    if (method === "GET" && path === "/api/2.0/preview/scim/v2/Me") {
      const identity = who().identity;
      if ("servicePrincipalName" in identity) {
        // A service principal's userName is its application id (SCIM /Me as the workspace answers it).
        const appId = identity.servicePrincipalName;
        return ok({ id: "1000000000000002", userName: appId, applicationId: appId, displayName: `Service principal ${appId}`, active: true });
      }
      return ok({ id: "1000000000000001", userName: ws.settings.user, active: true });
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

  /** OAuth client_credentials grant; client auth by HTTP Basic or form fields (docs/genie-api.md §4). */
  private issueToken(req: IncomingMessage, raw: string, entry: RequestLogEntry): Reply {
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
    // The client picks the workspace: its issued tokens belong there (ids are unique per emulator).
    const ws = clientId ? this.workspaces.find((w) => w.credentials.authenticateClient(clientId, clientSecret)) : undefined;
    if (!ws) return oauthError(401, "invalid_client", "Client authentication failed");
    entry.workspace = ws.name;
    const grant = form.get("grant_type");
    if (grant !== "client_credentials") {
      return oauthError(400, "unsupported_grant_type", `Grant type '${grant ?? ""}' is not supported`);
    }
    return ok(ws.credentials.issue(clientId, form.get("scope") || "all-apis", Date.now()));
  }

  // ---- /__emulator control endpoints -----------------------------------------------------------

  private control(req: IncomingMessage, method: string, path: string, query: Record<string, string>, raw: string): Reply {
    const token = this.bearer(req);
    if (!token || !this.workspaces.some((w) => w.credentials.mayControl(token, Date.now()))) {
      throw new ApiError(401, "UNAUTHENTICATED", "The /__emulator endpoints need the emulator's bearer token.");
    }
    const sub = path.slice("/__emulator".length);
    const body = () => parseJsonBody(raw);
    const now = Date.now();
    const route = `${method} ${sub}`;
    // `?workspace=NAME` picks the workspace a hook acts on; without it, the default workspace
    // (like the handle's top-level hooks), except that reset and the request log cover all.
    const named = query.workspace;
    const ws = named === undefined ? this.main : this.workspaceNamed(named);
    if (!ws) throw notFound(`No workspace named '${named}'. Workspaces: ${this.workspaces.map((w) => w.name).join(", ")}`);
    if (route === "GET /workspaces") {
      return ok({ workspaces: this.workspaces.map((w) => ({ name: w.name, user: w.settings.user })) });
    }
    if (route === "POST /reset") {
      if (named === undefined) this.reset();
      else ws.reset();
      return ok({});
    }
    if (route === "GET /requests") return ok({ requests: this.requests(named) });
    if (route === "DELETE /requests") {
      this.clearRequests(named);
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
      const options = optionsFromJson(body());
      try {
        if (ws === this.main) this.setOptions(options);
        else this.configureWorkspace(ws, options);
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw invalidParameter((e as Error).message);
      }
      return ok({});
    }
    if (route === "POST /revoke") {
      this.revoke(requiredString(body(), "token"));
      return ok({});
    }
    if (route === "GET /folders") return ok({ folders: ws.folders.list() });
    if (route === "POST /folders") {
      ws.folders.mkdirs(checkAbsolutePath("path", requiredString(body(), "path")));
      return ok({});
    }
    if (route === "GET /spaces") return ok({ spaces: ws.store.all(query.include_trashed === "true") });
    if (route === "POST /spaces") return ok(this.uiCreate(ws, body() as unknown as UiSpaceCreate, now));
    const aclHook = this.aclControl(ws, method, sub, body);
    if (aclHook) return aclHook;
    const m = /^\/spaces\/([^/]+)(?:\/(ui-edit|trash|restore|migrate|permissions))?$/.exec(sub);
    if (m) {
      const id = decodeURIComponent(m[1]);
      const action = m[2];
      if (method === "GET" && !action) {
        const space = ws.store.snapshot(id);
        if (!space) throw notFound(`No space ${id}`);
        return ok(space);
      }
      if (method === "POST" && action === "ui-edit") return ok(ws.store.uiEdit(id, this.patchInput(body()), now));
      if (method === "POST" && action === "trash") {
        ws.store.uiTrash(id, now);
        return ok({});
      }
      if (method === "POST" && action === "restore") {
        ws.store.restore(id);
        return ok({});
      }
      if (method === "POST" && action === "migrate") return ok(ws.store.migrate(id));
      if (method === "POST" && action === "permissions") {
        const b = body();
        const level = requiredString(b, "level");
        if (!["CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE", "NONE"].includes(level)) {
          throw invalidParameter(`Invalid permission level '${level}'`);
        }
        ws.setTokenPermission(id, requiredString(b, "principal"), level as PermissionLevel);
        return ok({});
      }
    }
    throw new ApiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} /__emulator${sub}'`);
  }

  /** PATCH /__emulator/options?workspace=NAME for an extra workspace: only its own settings. */
  private configureWorkspace(ws: Workspace, options: Partial<EmulatorOptions>): void {
    const own: Partial<WorkspaceSettings> = {};
    for (const [key, value] of Object.entries(options)) {
      if (!(WORKSPACE_OPTION_KEYS as readonly string[]).includes(key)) {
        throw invalidParameter(`Option '${key}' is server-wide; change it without ?workspace`);
      }
      (own as Record<string, unknown>)[key] = value;
    }
    const before = { ...ws.settings };
    ws.configure(own);
    try {
      checkDistinctCredentials(this.workspaces.map((w) => w.settings));
    } catch (e) {
      ws.configure({ token: before.token, tokens: before.tokens, oauthClients: before.oauthClients });
      throw e;
    }
  }

  /**
   * Permissions-API hooks over HTTP, for an emulator in another process (permissions-api.ts):
   * GET /__emulator/acl/{id}, POST /__emulator/acl/{id}/ui-grant|ui-revoke {principal, level},
   * POST /__emulator/folder-grants {folder, principal, level|null}, POST /__emulator/principals {users, groups, servicePrincipals}.
   */
  private aclControl(ws: Workspace, method: string, sub: string, body: () => Record<string, unknown>): Reply | undefined {
    const permissions = ws.permissions;
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
    if (m && method === "GET" && !m[2]) return ok(permissions.view(decodeURIComponent(m[1])));
    if (m && method === "POST" && m[2]) {
      const b = body();
      const id = decodeURIComponent(m[1]);
      guard(() => (m[2] === "ui-grant" ? permissions.uiGrant(id, principal(b), requiredString(b, "level") as AclLevel) : permissions.uiRevoke(id, principal(b))));
      return ok(permissions.view(id));
    }
    if (method === "POST" && sub === "/folder-grants") {
      const b = body();
      const level = b.level === null ? null : (requiredString(b, "level") as AclLevel);
      guard(() => permissions.setFolderGrant(requiredString(b, "folder"), principal(b), level));
      return ok({});
    }
    if (method === "POST" && sub === "/principals") {
      const b = body() as PrincipalRegistryOptions;
      for (const u of b.users ?? []) permissions.addUser(u);
      for (const sp of b.servicePrincipals ?? []) permissions.addServicePrincipal(sp);
      for (const [g, members] of Object.entries(b.groups ?? {})) permissions.addGroup(g, members);
      return ok({});
    }
    return undefined;
  }

  uiCreate(ws: Workspace, space: UiSpaceCreate, now: number): StoredSpace {
    return ws.uiCreate(this.createInput(space as unknown as Record<string, unknown>), now);
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
  "reassignIds",
  "bodyInWriteAnswers",
  "timestamps",
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

/** The test hooks of one workspace. */
function hooksOf(emulator: Emulator, ws: Workspace): WorkspaceHooks {
  const now = () => Date.now();
  return {
    folders: {
      add: (path) => ws.folders.mkdirs(checkAbsolutePath("path", path)),
      list: () => ws.folders.list(),
    },
    spaces: {
      list: (opts) => ws.store.all(opts?.includeTrashed ?? false),
      get: (id) => ws.store.snapshot(id),
      uiEdit: (id, changes) => ws.store.uiEdit(id, changes, now()),
      uiCreate: (space) => emulator.uiCreate(ws, space, now()),
      trash: (id) => ws.store.uiTrash(id, now()),
      restore: (id) => ws.store.restore(id),
      migrate: (id) => ws.store.migrate(id),
      setPermission: (id, principal, level) => ws.setTokenPermission(id, principal, level),
    },
    permissions: {
      get: (id) => ws.permissions.view(id),
      direct: (id) => ws.permissions.directGrants(id),
      uiGrant: (id, principal, level) => ws.permissions.uiGrant(id, principal, level),
      uiRevoke: (id, principal) => ws.permissions.uiRevoke(id, principal),
      setFolderGrant: (folder, principal, level) => ws.permissions.setFolderGrant(folder, principal, level),
      addUser: (name) => ws.permissions.addUser(name),
      addGroup: (name, members) => ws.permissions.addGroup(name, members),
      addServicePrincipal: (id) => ws.permissions.addServicePrincipal(id),
    },
    tables: {
      list: () => ws.sql.tableNames(),
      get: (identifier) => ws.sql.table(identifier),
    },
  };
}

function viewOf(emulator: Emulator, ws: Workspace): WorkspaceView {
  return {
    name: ws.name,
    get token() {
      return ws.settings.token;
    },
    get user() {
      return ws.settings.user;
    },
    reset: () => ws.reset(),
    requests: () => emulator.requests(ws.name),
    ...hooksOf(emulator, ws),
  };
}

/** Start a Genie emulator on 127.0.0.1 (port 0 = random). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const extra = (options.workspaces ?? []).map(resolveWorkspace);
  const emulator = new Emulator(resolveOptions(options, options.token ?? generatePat()), extra);
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
  const views = new Map(emulator.workspaces.map((ws) => [ws.name, viewOf(emulator, ws)]));

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
    revokeToken: (token) => emulator.revoke(token),
    workspace: (name) => {
      const view = views.get(name);
      if (!view) throw new Error(`No workspace named '${name}'. Workspaces: ${[...views.keys()].join(", ")}`);
      return view;
    },
    workspaceNames: () => [...views.keys()],
    ...hooksOf(emulator, emulator.main),
  };
}
