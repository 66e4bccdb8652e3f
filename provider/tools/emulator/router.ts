/**
 * Routes and route areas: what a file under routes/ declares, and how a request finds its route.
 *
 * A route area is one API (Genie spaces, permissions, SQL statements, OIDC, the control
 * endpoints, …) in one file under routes/, exporting an `AreaFactory`; routes/index.ts lists the
 * areas. A route is a method, a path template (`/api/2.0/genie/spaces/{id}`) and a handler.
 * `route(…)` handlers run only for a live credential and get the caller; `publicRoute(…)` handlers
 * run without one (discovery documents, token endpoints, where the body is the credential).
 * The pipeline (pipeline.ts) checks the credential before it reads the body, caps the body, logs
 * the request and applies faults; a handler only turns a request into a Reply (or throws an
 * ApiError).
 */
import type { IncomingMessage } from "node:http";
import { ApiError } from "./api-error";
import type { Caller, Emulator } from "./emulator";
import type { Reply } from "./http";
import type { Workspace } from "./workspace";

/** What a handler knows about a request (its body already read, within the size cap). */
export interface RequestContext {
  readonly emulator: Emulator;
  readonly req: IncomingMessage;
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** The `{name}` segments of the route's path template, URL-decoded. */
  readonly params: Record<string, string>;
  /** The body as text ("" when there was none). */
  readonly raw: string;
  /** When the handler runs, epoch milliseconds (later than arrival under a "slow-commit" fault). */
  readonly now: number;
  /** The body as a JSON object (an empty body is `{}`; anything else → 400 MALFORMED_REQUEST). */
  json(): Record<string, unknown>;
  /** The body as form fields (`application/x-www-form-urlencoded`). */
  form(): URLSearchParams;
  /** `http://host:port` as the client reached the emulator, for documents that point back at it. */
  baseUrl(): string;
  /** Record the request under this workspace in the request log (a public route that identified its client). */
  attribute(ws: Workspace): void;
}

/** The context of a route that needs a credential: who called. */
export interface CallerContext extends RequestContext {
  readonly caller: Caller;
}

type Handler<C> = (ctx: C) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  /** Path template; `{name}` matches one segment. */
  path: string;
  /** "bearer": only for a live credential (else 401, body unread); "public": no credential needed. */
  auth: "bearer" | "public";
  handle: Handler<CallerContext>;
}

/** A route that needs a live credential (PAT or issued OAuth token). */
export function route(method: string, path: string, handle: Handler<CallerContext>): Route {
  return { method, path, auth: "bearer", handle };
}

/** A route anyone may call (no credential: the handler authenticates from the body if it needs to). */
export function publicRoute(method: string, path: string, handle: Handler<RequestContext>): Route {
  return { method, path, auth: "public", handle };
}

export interface RouteArea {
  /** Short name of the API (for a reader, and errors naming the area). */
  name: string;
  routes: Route[];
  /**
   * The emulator's own control endpoints: every path under `prefix` belongs to the area (an
   * unknown one gets its 404 from here), and its requests skip the request log, faults, latency
   * and the rate limit.
   */
  control?: { prefix: string };
  /** Forget what the area remembers (called by every emulator reset). */
  reset?(): void;
  /**
   * Called for every request before its credential is checked: an area that makes the workspaces
   * trust tokens from elsewhere (an identity provider) can make a workspace accept this request's
   * bearer here (`Credentials.adopt`). It must not read the body.
   */
  recognizeBearer?(req: IncomingMessage, emulator: Emulator): void;
}

/** Makes one area for one emulator (so an area may keep state per emulator in its closure). */
export type AreaFactory = () => RouteArea;

interface CompiledRoute {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export interface RouteMatch {
  /** The area of the route, or of the control prefix the path is under. */
  area?: RouteArea;
  route?: Route;
  /** Raw (still URL-encoded) path parameters. */
  params: Record<string, string>;
}

/** No route for this request: the message shows the path without /api/2.0 (CLI acceptance genie/ask-endpoint-gone). */
export function noRoute(method: string, path: string): ApiError {
  const shown = path.startsWith("/api/2.0/") ? path.slice("/api/2.0".length) : path;
  return new ApiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${shown}'`);
}

/** `/a/{id}/b` → /^\/a\/([^/]+)\/b$/ and ["id"]. */
function compile(template: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = template.replace(/\{(\w+)\}|[.*+?^$()|[\]\\]/g, (text: string, name?: string) => {
    if (name === undefined) return `\\${text}`;
    names.push(name);
    return "([^/]+)";
  });
  return { pattern: new RegExp(`^${source}$`), names };
}

export class Router {
  private readonly compiled: { area: RouteArea; routes: CompiledRoute[] }[];

  constructor(readonly areas: RouteArea[]) {
    this.compiled = areas.map((area) => ({
      area,
      routes: area.routes.map((route) => ({ route, ...compile(route.path) })),
    }));
  }

  /** The first route whose method and path match; else the control area whose prefix holds the path. */
  match(method: string, path: string): RouteMatch {
    for (const { area, routes } of this.compiled) {
      for (const { route, pattern, names } of routes) {
        if (route.method !== method) continue;
        const m = pattern.exec(path);
        if (!m) continue;
        return { area, route, params: Object.fromEntries(names.map((n, i) => [n, m[i + 1]])) };
      }
    }
    const area = this.areas.find((a) => a.control && (path === a.control.prefix || path.startsWith(`${a.control.prefix}/`)));
    return { area, params: {} };
  }

  reset(): void {
    for (const area of this.areas) area.reset?.();
  }

  /** Let every area recognize the request's bearer (before the credential check). */
  recognizeBearer(req: IncomingMessage, emulator: Emulator): void {
    for (const area of this.areas) area.recognizeBearer?.(req, emulator);
  }
}
