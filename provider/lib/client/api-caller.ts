// The request/retry core shared by every workspace REST client here (Genie spaces, permissions,
// SQL statements): the per-host keep-alive pool (./transport), the per-host rate limiter, auth
// with one credential refresh after a 401, error classification into GenieApiError with the
// credential scrubbed, and one retry policy (Retry-After aware; never blindly repeating a
// non-idempotent request after an ambiguous failure, docs/reliability.md). Internal to provider/lib/client.
import pRetry = require("p-retry");
import type { Credentials } from "../auth";
import { redactSecrets } from "../auth";
import { parseRetryAfter, retryDelayMs } from "./backoff";
import { GenieApiError, type GenieOperation, kindForStatus, parseErrorBody, excerpt } from "./errors";
import { type Permit, RateLimiter, rateLimiterFor } from "./rate-limiter";
import { exchange, TransportError } from "./transport";

export interface ApiCallerOptions {
  host: string;
  credentials: Credentials;
  /** Per HTTP request (default 60 s). */
  requestTimeoutMs?: number;
  /** Per operation, across all retries (default 300 s). */
  operationTimeoutMs?: number;
  /**
   * The budget of the per-host rate limiter shared by the whole process (default 20/s): never
   * exceeded; when the server allows less, the limiter learns how much from its 429s.
   */
  requestsPerSecond?: number;
  /** Requests sent back-to-back after idling (default: half a second's worth of the rate). */
  burst?: number;
  /** Cap on one retry wait, Retry-After included (default 30 s). */
  maxRetryDelayMs?: number;
  /** First backoff step (default 500 ms); tests use a few ms. */
  minRetryDelayMs?: number;
  /** HTTP attempts per request before giving up (default 10). */
  maxAttempts?: number;
  logger?: (line: string) => void;
  userAgent?: string;
  /** Sent as `X-Databricks-Org-Id` (routing header for unified hosts, docs/genie-api.md §1). */
  workspaceId?: string;
}

export interface ApiCallStats {
  /** HTTP requests sent. */
  requests: number;
  /** Retries (of any cause). */
  retries: number;
  /** 429 answers seen. */
  throttled: number;
}

export type HttpMethod = "GET" | "POST" | "PATCH" | "PUT" | "DELETE";

export interface ApiCall {
  /** Names the operation in the error message. */
  operation: GenieOperation;
  label?: string;
  method: HttpMethod;
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Epoch ms after which no attempt starts and no retry waits. */
  deadline: number;
  /**
   * Safe to repeat after an ambiguous failure (a reset or 5xx after the request may have been
   * processed). GET, DELETE, absolute PUT/PATCH are; a create or a SQL statement submit is not:
   * those are repeated only after 429/503 or when the request provably never left.
   */
  idempotent: boolean;
}

export interface ApiResult {
  status: number;
  json: unknown;
  attempts: number;
}

const DEFAULTS = {
  requestTimeoutMs: 60_000,
  operationTimeoutMs: 300_000,
  requestsPerSecond: 20,
  maxRetryDelayMs: 30_000,
  minRetryDelayMs: 500,
  maxAttempts: 10,
};
const DEFAULT_USER_AGENT = "pulumi-genie/0.1 (+undici)";

/** Marks errors whose request may have been processed by the server although we got no answer. */
const ambiguous = new WeakSet<GenieApiError>();
/** Marks errors whose request provably never reached the server (connection refused, token fetch). */
const notSent = new WeakSet<GenieApiError>();
/** Marks errors that follow an earlier attempt which may have taken effect (e.g. a DELETE reset after commit). */
const afterPossiblyApplied = new WeakSet<GenieApiError>();
/** Marks errors that end the operation outright (its deadline has passed). */
const final = new WeakSet<GenieApiError>();

/** The call failed in a way that leaves unknown whether a non-idempotent request took effect. */
export function isAmbiguousFailure(e: unknown): boolean {
  return e instanceof GenieApiError && ambiguous.has(e);
}

/** The call failed after an earlier attempt of it may already have been applied. */
export function followsPossiblyAppliedAttempt(e: unknown): boolean {
  return e instanceof GenieApiError && afterPossiblyApplied.has(e);
}

export class ApiCaller {
  readonly host: string;
  readonly operationTimeoutMs: number;
  readonly requestTimeoutMs: number;
  /** Redacting logger, if one was given. */
  readonly log?: (line: string) => void;
  private readonly credentials: Credentials;
  private readonly opts: {
    requestTimeoutMs: number;
    maxRetryDelayMs: number;
    minRetryDelayMs: number;
    maxAttempts: number;
    userAgent: string;
    workspaceId?: string;
  };
  private readonly limiter: RateLimiter;
  private readonly counters: ApiCallStats = { requests: 0, retries: 0, throttled: 0 };

  constructor(opts: ApiCallerOptions) {
    this.host = opts.host.replace(/\/+$/, "");
    this.credentials = opts.credentials;
    this.operationTimeoutMs = opts.operationTimeoutMs ?? DEFAULTS.operationTimeoutMs;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    const requestsPerSecond = opts.requestsPerSecond ?? DEFAULTS.requestsPerSecond;
    this.opts = {
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      maxRetryDelayMs: opts.maxRetryDelayMs ?? DEFAULTS.maxRetryDelayMs,
      minRetryDelayMs: opts.minRetryDelayMs ?? Math.min(DEFAULTS.minRetryDelayMs, opts.maxRetryDelayMs ?? Infinity),
      maxAttempts: opts.maxAttempts ?? DEFAULTS.maxAttempts,
      userAgent: opts.userAgent ?? DEFAULT_USER_AGENT,
      workspaceId: opts.workspaceId,
    };
    this.limiter = rateLimiterFor(
      this.host,
      // Half a second's worth: a server bucket of the same rate then keeps half a second of slack,
      // which absorbs network jitter instead of answering 429 (measured: 10 × 429 per 200 creates
      // with a full second's burst against a 20 req/s server, none with half).
      { requestsPerSecond, burst: opts.burst ?? Math.max(1, Math.ceil(requestsPerSecond / 2)) },
      opts.requestsPerSecond !== undefined || opts.burst !== undefined,
    );
    if (opts.logger) {
      const logger = opts.logger;
      this.log = (line) => logger(redactSecrets(line));
    }
  }

  stats(): ApiCallStats {
    return { ...this.counters };
  }

  /** Counts a retry made above this layer (e.g. a create repeated after a lookup found nothing). */
  countRetry(): void {
    this.counters.retries++;
  }

  /** The backoff bounds, for retries made above this layer. */
  backoff(): { minDelayMs: number; maxDelayMs: number } {
    return { minDelayMs: this.opts.minRetryDelayMs, maxDelayMs: this.opts.maxRetryDelayMs };
  }

  /** One logical request: rate limit, auth, send, classify; retried per the policy in `decideRetry`. */
  async call(spec: ApiCall): Promise<ApiResult> {
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
          const verdict = decideRetry(e, spec);
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

  private async attempt(spec: ApiCall): Promise<{ status: number; json: unknown }> {
    const base = { method: spec.method, path: spec.path, operation: spec.operation, label: spec.label };
    const deadlineError = (detail: string): GenieApiError => {
      const err = new GenieApiError({ ...base, kind: "timeout", apiMessage: `operation deadline of ${this.operationTimeoutMs} ms exceeded (${detail})` });
      final.add(err);
      return err;
    };

    if (Date.now() >= spec.deadline) throw deadlineError("before sending");
    let permit: Permit;
    try {
      permit = await this.limiter.acquire(spec.deadline);
    } catch {
      throw deadlineError("waiting for the client-side rate limit");
    }

    let authHeaders: Record<string, string>;
    try {
      // Getting a credential (a CLI, a token endpoint) counts against the operation's deadline too.
      const bound = { deadline: spec.deadline };
      authHeaders = this.credentials.headers ? await this.credentials.headers(bound) : { authorization: await this.credentials.authorization(bound) };
    } catch (e) {
      this.limiter.release(permit);
      const err = e as { message?: string; retryable?: boolean; status?: number; deadlineExceeded?: boolean };
      if (err.deadlineExceeded) throw deadlineError(`getting credentials: ${redactSecrets(err.message ?? "")}`);
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
      ...authHeaders,
      accept: "application/json",
      "user-agent": this.opts.userAgent,
    };
    const bodyText = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    if (bodyText !== undefined) headers["content-type"] = "application/json";
    if (this.opts.workspaceId) headers["x-databricks-org-id"] = this.opts.workspaceId;
    // The exact credential in use is scrubbed from anything the server or the network echoes back
    // (with every other live credential, in every form: ../auth/redact.ts).
    const secret = (authHeaders.authorization ?? "").replace(/^\S+\s+/, "");

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
    const headerRequestId = headerValue(res.headers["x-request-id"]) ?? headerValue(res.headers["x-databricks-request-id"]);
    const requestId = headerRequestId === undefined ? undefined : redactSecrets(headerRequestId, [secret]);
    if (res.status !== 429) this.limiter.accepted(permit);
    if (res.status >= 200 && res.status < 300) {
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
          apiMessage: `unparseable response body: ${excerpt(res.text, undefined, [secret])}`,
        });
      }
    }
    const parsed = parseErrorBody(res.status, headerValue(res.headers["content-type"]), res.text, [secret]);
    const retryAfterMs = parseRetryAfter(res.headers["retry-after"]) ?? parsed.retryAfterMs;
    if (res.status === 429) {
      this.counters.throttled++;
      if (this.limiter.throttled(permit, retryAfterMs === undefined ? undefined : Math.min(retryAfterMs, this.opts.maxRetryDelayMs))) {
        this.log?.(`${this.host} is throttling: slowing down to ${this.limiter.currentRate.toFixed(1)} requests/s`);
      }
    }
    // Whatever the server sent back — code and request id included — may echo the credential.
    const errorCode = parsed.errorCode === undefined ? undefined : redactSecrets(parsed.errorCode, [secret]);
    const anyRequestId = requestId ?? parsed.requestId;
    this.log?.(`${spec.method} ${spec.path} → ${res.status}${errorCode ? ` ${errorCode}` : ""} (${Date.now() - started} ms)`);
    throw new GenieApiError({
      ...base,
      kind: kindForStatus(res.status, parsed.errorCode, parsed.message),
      status: res.status,
      errorCode,
      apiMessage: redactSecrets(parsed.message, [secret]),
      requestId: anyRequestId === undefined ? undefined : redactSecrets(anyRequestId, [secret]),
      retryAfterMs,
    });
  }
}

function decideRetry(e: GenieApiError, spec: ApiCall): "retry" | "stop" | "ambiguous" {
  if (final.has(e)) return "stop";
  // 429 / 503: the server did not process the request, so even a create is safe to repeat.
  if (e.status === 429 || e.status === 503) return "retry";
  const transient =
    e.kind === "connection" || e.kind === "timeout" || e.status === 500 || e.status === 502 || e.status === 504 || (e.kind === "server" && e.status !== undefined && e.status < 300);
  if (!transient) return "stop";
  if (notSent.has(e) || spec.idempotent) return "retry";
  return "ambiguous";
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
