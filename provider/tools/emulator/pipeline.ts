/**
 * What happens to every request, in order:
 *   1. find the route (router.ts);
 *   2. check the credential, before a byte of the body is read: a missing, unknown, revoked or
 *      expired bearer → 401, control endpoints included (only public routes skip this);
 *   3. read the body up to the size cap → 413 beyond it;
 *      a refused body is dropped as it arrives, never held (http.ts discardRest);
 *   4. record the request in the request log (not the control endpoints);
 *   5. faults, latency and the rate limit (faults.ts; not the control endpoints);
 *   6. run the route, or 404 ENDPOINT_NOT_FOUND; answer (late or never under a committing fault).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError } from "./api-error";
import type { Caller, Emulator } from "./emulator";
import { COMMITTING_FAULTS, faultReply } from "./faults";
import {
  Reply,
  bearerOf,
  bodyForLog,
  discardRest,
  errorReply,
  isForm,
  parseJsonBody,
  readBody,
  safely,
  send,
} from "./http";
import { logLine } from "./request-log";
import { type CallerContext, type RequestContext, type RouteMatch, type Router, noRoute } from "./router";
import type { RequestLogEntry } from "./types";

/** Body cap for requests without a credential (token endpoints: a form of a few hundred bytes). */
const PUBLIC_BODY_LIMIT = 64 * 1024;
/** How long the rest of a refused body is read and dropped before the connection is cut. */
const LINGER_MS = 2000;

/** Waits `ms` (nothing at all for 0 or less, not even a tick); never keeps a closed emulator's process alive. */
async function sleep(ms: number): Promise<void> {
  if (ms > 0) await new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
}

const tooLarge = (limit: number) =>
  new ApiError(413, "REQUEST_ENTITY_TOO_LARGE", `The request body is larger than the limit of ${limit} bytes.`);

const controlUnauthenticated = () =>
  new ApiError(401, "UNAUTHENTICATED", "The /__emulator endpoints need a live bearer token of the emulator (not revoked or expired).");

interface Request {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  started: number;
  method: string;
  path: string;
  query: Record<string, string>;
  match: RouteMatch;
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
    const match = this.router.match(method, path);
    const control = match.area?.control !== undefined;
    const bearer = bearerOf(req);
    if (bearer) this.router.recognizeBearer(req, this.emulator);
    const r: Request = { req, res, requestId, started, method, path, query, match };
    if (!control) {
      r.entry = { method, path, query, body: undefined, status: 0, time: started, requestId };
      // The credential names the workspace (docs/genie-api.md §7 "token → workspace"), even a revoked one.
      const owner = this.emulator.workspaceOf(bearer);
      if (owner) r.entry.workspace = owner.name;
    }

    const isPublic = match.route?.auth === "public";
    let caller: Caller | undefined;
    if (!isPublic) {
      const auth = this.emulator.authenticate(bearer, Date.now());
      if (auth instanceof ApiError) return this.refuse(r, control ? controlUnauthenticated() : auth);
      caller = auth;
    }

    const limit = isPublic ? Math.min(PUBLIC_BODY_LIMIT, this.emulator.opts.maxBodyBytes) : this.emulator.opts.maxBodyBytes;
    const body = await readBody(req, limit);
    if (body.kind === "failed") {
      req.socket.destroy();
      return;
    }
    if (body.kind === "too-large") return this.refuse(r, tooLarge(limit));
    const raw = body.text;
    if (r.entry) {
      r.entry.body = bodyForLog(raw, isForm(req));
      this.emulator.log.record(r.entry);
    }

    const run = () => safely(() => this.run(r, raw, caller));
    if (control) send(res, await run(), requestId);
    else await this.answerApi(r, raw, run);
  }

  /** Answer without reading the body (401, 413); the rest of it is dropped unread. */
  private refuse(r: Request, error: ApiError): void {
    send(r.res, errorReply(error), r.requestId);
    discardRest(r.req, LINGER_MS);
    if (r.entry) {
      this.emulator.log.record(r.entry);
      this.finish(r, error.status);
    }
  }

  private run(r: Request, raw: string, caller: Caller | undefined): Reply | Promise<Reply> {
    const { route, params } = r.match;
    if (!route) throw noRoute(r.method, r.path);
    const ctx: RequestContext = {
      emulator: this.emulator,
      req: r.req,
      method: r.method,
      path: r.path,
      query: r.query,
      params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodeURIComponent(v)])),
      raw,
      now: Date.now(),
      json: () => parseJsonBody(raw),
      form: () => new URLSearchParams(raw),
      baseUrl: () => (r.req.headers.host ? `http://${r.req.headers.host}` : this.emulator.url),
      attribute: (ws) => {
        if (r.entry) r.entry.workspace = ws.name;
      },
    };
    // A "bearer" route only runs with its caller (checked in handle); a public one never reads it.
    return route.handle(caller ? { ...ctx, caller } : (ctx as CallerContext));
  }

  /** Faults, latency and the rate limit around an API route (docs/genie-api.md §7 "Failure injection"). */
  private async answerApi(r: Request, raw: string, run: () => Promise<Reply>): Promise<void> {
    const entry = r.entry!;
    const decision = this.emulator.faults.decide(r.method, r.path, raw);
    await sleep(this.emulator.opts.latencyMs + decision.latencyMs);
    const fault = decision.fault;
    if (fault) entry.fault = fault.kind;
    if (fault?.kind === "reset") {
      // Connection reset before any answer: nothing was committed.
      this.finish(r, 0);
      r.req.socket.destroy();
      return;
    }
    const committing = fault !== undefined && COMMITTING_FAULTS.has(fault.kind);
    let reply = fault && !committing ? faultReply(fault) : undefined;
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
    // A held request takes effect at its commit time whether or not the client still waits, unless
    // the emulator was reset or closed meanwhile (then it never happened).
    const generation = this.emulator.generation;
    const drop = () => {
      this.finish(r, 0);
      r.req.socket.destroy();
    };
    if (!reply) {
      if (committing) await sleep(r.started + (fault?.commitMs ?? 0) - Date.now());
      if (this.emulator.generation !== generation) return drop();
      reply = await run();
    }
    if (fault?.kind === "reset-after-commit") {
      // The operation took effect, but the client never hears back (docs/genie-api.md §7 "Failure injection"; docs/reliability.md).
      return drop();
    }
    if (fault?.kind === "commit-then-hang") {
      // Taken effect; the connection stays open with no answer until the client gives up.
      this.finish(r, 0, "NO-ANSWER");
      return;
    }
    if (fault?.kind === "slow-commit") {
      await sleep(r.started + (fault.answerMs ?? 0) - Date.now());
      if (this.emulator.generation !== generation) return drop();
    }
    if (r.req.socket.destroyed || !r.req.socket.writable) {
      // The client gave up (its timeout) before the answer: nothing was sent.
      this.finish(r, 0, "CLIENT-GONE");
      return;
    }
    send(r.res, reply, r.requestId);
    this.finish(r, reply.status);
  }

  private finish(r: Request, status: number, unanswered?: "NO-ANSWER" | "CLIENT-GONE"): void {
    const entry = r.entry!;
    entry.status = status;
    this.emulator.opts.log?.(logLine(entry, Date.now() - r.started, unanswered));
  }
}
