// One keep-alive connection pool per workspace host, shared by every client in the process
// (docs/reliability.md), and a single-attempt HTTP exchange with a hard per-request timeout.
import { Pool, request } from "undici";

const pools = new Map<string, Pool>();

const KEEP_ALIVE_MS = 30_000;
const MAX_CONNECTIONS_PER_HOST = 32;

export function poolFor(host: string): Pool {
  let pool = pools.get(host);
  if (!pool || pool.closed || pool.destroyed) {
    pool = new Pool(host, {
      connections: MAX_CONNECTIONS_PER_HOST,
      keepAliveTimeout: KEEP_ALIVE_MS,
      keepAliveMaxTimeout: 10 * KEEP_ALIVE_MS,
      pipelining: 1,
    });
    pools.set(host, pool);
  }
  return pool;
}

/** Number of pools currently open (test/diagnostic hook). */
export function openPoolCount(): number {
  return pools.size;
}

/** Closes the pool of one host (e.g. an emulator that is shutting down). */
export async function closeConnectionPool(host: string): Promise<void> {
  const pool = pools.get(host);
  pools.delete(host);
  await pool?.destroy().catch(() => undefined);
}

/** Closes every pool (tests, CLI shutdown). Later calls open fresh pools. */
export async function closeConnectionPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.destroy().catch(() => undefined)));
}

export interface HttpExchange {
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  host: string;
  /** Path + query. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  timeoutMs: number;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/**
 * Why a request failed without a response. `sent: false` means the request provably never reached
 * the server (connection refused / connect timeout), which makes even a POST safe to repeat.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly timedOut: boolean,
    readonly sent: boolean,
  ) {
    super(message);
    this.name = "TransportError";
  }
}

const NOT_SENT_CODES = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const TIMEOUT_CODES = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT", "ETIMEDOUT"]);

export async function exchange(x: HttpExchange): Promise<HttpResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, Math.max(1, x.timeoutMs));
  try {
    const res = await request(`${x.host}${x.path}`, {
      dispatcher: poolFor(x.host),
      method: x.method,
      headers: x.headers,
      body: x.body,
      signal: controller.signal,
      headersTimeout: x.timeoutMs,
      bodyTimeout: x.timeoutMs,
    });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text };
  } catch (e) {
    throw toTransportError(e, timedOut, x.timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps only a code and a message: undici error objects may reference the request (and its headers). */
function toTransportError(e: unknown, timedOut: boolean, timeoutMs: number): TransportError {
  const err = (e ?? {}) as { code?: string; message?: string; name?: string; cause?: { code?: string; message?: string } };
  const code = err.code ?? err.cause?.code ?? err.name ?? "UNKNOWN";
  if (timedOut || TIMEOUT_CODES.has(code)) {
    return new TransportError(`request timed out after ${timeoutMs} ms (${code})`, code, true, !NOT_SENT_CODES.has(code));
  }
  const detail = [err.message, err.cause?.message].filter((m) => m && m !== "").join(": ");
  return new TransportError(`connection error: ${code}${detail ? ` ${detail}` : ""}`, code, false, !NOT_SENT_CODES.has(code));
}
