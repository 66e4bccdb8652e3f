/**
 * What happens to every request, in order:
 *   1. find the route (router.ts) and read the body;
 *   2. control endpoints (/__emulator/*): check the bearer, run the hook, answer;
 *   3. API requests: record them in the request log, apply faults, latency and the rate limit
 *      (faults.ts), check the credential, run the route or 404 ENDPOINT_NOT_FOUND, answer.
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error";
import type { Caller, Emulator } from "./emulator";
import { faultReply } from "./faults";
import { Reply, bearerOf, bodyForLog, errorReply, isForm, parseJsonBody, readBody, safely, send } from "./http";
import { logLine } from "./request-log";
import type { CallerContext, RequestContext, RouteMatch, Router } from "./router";
import type { RequestLogEntry } from "./types";

/** Waits `ms` (nothing at all for 0 or less, not even a tick). */
async function sleep(ms: number): Promise<void> {
  if (ms > 0) await new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/** Unknown route: the message shows the path without /api/2.0 (CLI acceptance genie/ask-endpoint-gone). */
function noRoute(method: string, path: string): ApiError {
  const shown = path.startsWith("/api/2.0/") ? path.slice("/api/2.0".length) : path;
  return new ApiError(404, "ENDPOINT_NOT_FOUND", `No API found for '${method} ${shown}'`);
}

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  started: number;
  method: string;
  path: string;
  query: Record<string, string>;
  match: RouteMatch;
  raw: string;
  /** The request-log entry; undefined for control endpoints. */
  entry?: RequestLogEntry;
}

export class Pipeline {
  constructor(
    private readonly emulator: Emulator,
    private readonly router: Router,
  ) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const requestId = randomUUID();
    res.setHeader("x-request-id", requestId);
    const method = (req.method ?? "GET").toUpperCase();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);
    const body = await readBody(req, Infinity);
    if (body.kind !== "read") {
      req.socket.destroy();
      return;
    }
    const match = this.router.match(method, path);
    const r: Request = { req, res, requestId, started, method, path, query, match, raw: body.text };

    if (match.area?.control !== undefined) {
      send(res, await safely(() => this.control(r)), requestId);
      return;
    }
    r.entry = { method, path, query, body: bodyForLog(r.raw, isForm(req)), status: 0, time: started, requestId };
    // The credential names the workspace (docs/genie-api.md §7 "token → workspace"), even a revoked one.
    const owner = this.emulator.workspaceOf(bearerOf(req));
    if (owner) r.entry.workspace = owner.name;
    this.emulator.log.record(r.entry);
    await this.answerApi(r);
  }

  private control(r: Request): Reply | Promise<Reply> {
    if (!this.emulator.mayControl(bearerOf(r.req), Date.now())) {
      throw new ApiError(401, "UNAUTHENTICATED", "The /__emulator endpoints need the emulator's bearer token.");
    }
    const caller = this.emulator.authenticate(bearerOf(r.req), Date.now());
    return this.run(r, caller instanceof ApiError ? undefined : caller);
  }

  private api(r: Request): Reply | Promise<Reply> {
    let caller: Caller | undefined;
    if (r.match.route?.auth !== "public") {
      const auth = this.emulator.authenticate(bearerOf(r.req), Date.now());
      if (auth instanceof ApiError) throw auth;
      caller = auth;
    }
    return this.run(r, caller);
  }

  private run(r: Request, caller: Caller | undefined): Reply | Promise<Reply> {
    const { route, params } = r.match;
    if (!route) throw noRoute(r.method, r.path);
    const ctx: RequestContext = {
      emulator: this.emulator,
      req: r.req,
      method: r.method,
      path: r.path,
      query: r.query,
      params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodeURIComponent(v)])),
      raw: r.raw,
      now: Date.now(),
      json: () => parseJsonBody(r.raw),
      form: () => new URLSearchParams(r.raw),
      baseUrl: () => (r.req.headers.host ? `http://${r.req.headers.host}` : this.emulator.url),
      attribute: (ws) => {
        if (r.entry) r.entry.workspace = ws.name;
      },
    };
    // A "bearer" route only runs with its caller (checked above); a public one never reads it.
    return route.handle(caller ? { ...ctx, caller } : (ctx as CallerContext));
  }

  /** Faults, latency and the rate limit around an API route (docs/genie-api.md §7 "Failure injection"). */
  private async answerApi(r: Request): Promise<void> {
    const entry = r.entry!;
    const decision = this.emulator.faults.decide(r.method, r.path, r.raw);
    await sleep(this.emulator.opts.latencyMs + decision.latencyMs);
    const fault = decision.fault;
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === "reset") {
      // Connection reset before any answer: nothing was committed.
      this.finish(r, 0);
      r.req.socket.destroy();
      return;
    }
    let reply = fault && fault.kind !== "reset-after-commit" ? faultReply(fault) : undefined;
    if (!reply) {
      const wait = this.emulator.throttle(Date.now());
      if (wait > 0) {
        reply = errorReply(
          new ApiError(429, "REQUEST_LIMIT_EXCEEDED", "Rate limit exceeded for this workspace. Please retry later.", {
            "Retry-After": String(wait),
          }),
        );
      }
    }
    reply ??= await safely(() => this.api(r));
    if (fault?.kind === "reset-after-commit") {
      // The operation took effect, but the client never hears back (docs/genie-api.md §7).
      this.finish(r, 0);
      r.req.socket.destroy();
      return;
    }
    send(r.res, reply, r.requestId);
    this.finish(r, reply.status);
  }

  private finish(r: Request, status: number): void {
    const entry = r.entry!;
    entry.status = status;
    this.emulator.opts.log?.(logLine(entry, Date.now() - r.started));
  }
}
