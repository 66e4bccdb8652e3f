// The few HTTP exchanges credential strategies make (token endpoints, ID-token endpoints,
// metadata services), with bounded timeouts and errors that never carry a credential.
import { request } from "undici";
import { redactSecrets } from "./redact";

export const TOKEN_REQUEST_TIMEOUT_MS = 30_000;

/**
 * Failure to obtain a token. `retryable` is true for transient failures (connection errors,
 * 429, 5xx): the request that needed the token was never sent, so retrying is always safe.
 */
export class AuthTokenError extends Error {
  readonly status?: number;
  readonly retryable: boolean;
  /** The caller's deadline passed before a credential was had (the caller ends its operation). */
  readonly deadlineExceeded?: boolean;
  constructor(message: string, opts: { status?: number; retryable: boolean; deadlineExceeded?: boolean }) {
    super(redactSecrets(message));
    this.name = "AuthTokenError";
    if (opts.status !== undefined) this.status = opts.status;
    this.retryable = opts.retryable;
    if (opts.deadlineExceeded) this.deadlineExceeded = true;
  }
}

/** Why work stopped when `signal` aborted: its reason (the caller's deadline), or a plain cancellation. */
export function cancelled(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new AuthTokenError("cancelled: nobody waits for this credential any more", { retryable: false });
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, unknown>;
}

export async function httpExchange(
  what: string,
  url: string,
  init: { method?: "GET" | "POST"; headers?: Record<string, string>; body?: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<HttpAnswer> {
  const timeout = init.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS;
  let status: number;
  let text: string;
  let headers: HttpAnswer["headers"];
  try {
    const res = await request(url, {
      method: init.method ?? "GET",
      headers: { accept: "application/json", ...init.headers },
      body: init.body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: init.signal,
    });
    status = res.statusCode;
    headers = res.headers;
    text = await res.body.text();
  } catch (e) {
    if (init.signal?.aborted) throw cancelled(init.signal);
    // Only the error's code/message are kept: undici error objects are never attached.
    const err = e as { code?: string; message?: string };
    throw new AuthTokenError(`${what}: connection error: ${err.code ?? ""} ${err.message ?? ""}`.replace(/\s+/g, " ").trim(), { retryable: true });
  }
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
  } catch {
    // non-JSON body: reported as an excerpt when the status is an error
  }
  return { status, headers, text, json };
}

/** POST an `application/x-www-form-urlencoded` body. */
export function postForm(what: string, url: string, form: Record<string, string | undefined>, opts: { headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<HttpAnswer> {
  const body = new URLSearchParams(Object.entries(form).filter((kv): kv is [string, string] => kv[1] !== undefined)).toString();
  return httpExchange(what, url, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...opts.headers }, body, signal: opts.signal });
}

/** Throws an AuthTokenError for a non-2xx answer, with the server's own words (OAuth, Entra ID, Google shapes). */
export function assertOk(what: string, answer: HttpAnswer, hint?: string): void {
  const { status, json, text } = answer;
  if (status >= 200 && status < 300) return;
  const err = json.error;
  const code = typeof err === "string" ? err : typeof json.error_code === "string" ? json.error_code : undefined;
  let desc =
    typeof json.error_description === "string"
      ? json.error_description
      : typeof json.message === "string"
        ? json.message
        : err && typeof err === "object" && typeof (err as { message?: unknown }).message === "string"
          ? String((err as { message: string }).message)
          : redactSecrets(text).replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim().slice(0, 200); // scrubbed before the cut
  // Entra ID appends trace and correlation ids: noise for the user.
  desc = desc.split(/\s*Trace ID:/)[0];
  const fix = hint && (status === 400 || status === 401 || status === 403) ? ` (${hint})` : "";
  throw new AuthTokenError(`${what}: HTTP ${status}${code ? ` ${code}` : ""}${desc ? `: ${desc}` : ""}${fix}`, {
    status,
    retryable: status === 429 || status >= 500,
  });
}

/** A required string field of a token answer. */
export function field(what: string, answer: HttpAnswer, name: string): string {
  const v = answer.json[name];
  if (typeof v !== "string" || v === "") throw new AuthTokenError(`${what}: the response has no ${name}`, { status: answer.status, retryable: false });
  return v;
}
