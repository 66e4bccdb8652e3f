// How long to wait before the next attempt (docs/reliability.md: the larger of jittered exponential
// backoff and Retry-After, capped).

/** Parses `Retry-After`: delay-seconds or an HTTP date (RFC 9110 §10.2.3). Returns ms, or undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (v === undefined) return undefined;
  const text = v.trim();
  if (text === "") return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

export interface BackoffOptions {
  minDelayMs: number;
  maxDelayMs: number;
  /** 0..1 random source (injectable for tests). */
  random?: () => number;
}

/**
 * Delay before retry number `retry` (1-based): "equal jitter" exponential backoff — half fixed,
 * half random — so concurrent callers spread out but never retry instantly; then raised to the
 * server's Retry-After and capped at maxDelayMs.
 */
export function retryDelayMs(retry: number, opts: BackoffOptions, retryAfterMs?: number): number {
  const random = opts.random ?? Math.random;
  const exp = Math.min(opts.maxDelayMs, opts.minDelayMs * 2 ** Math.max(0, retry - 1));
  const jittered = exp / 2 + random() * (exp / 2);
  return Math.round(Math.min(opts.maxDelayMs, Math.max(jittered, retryAfterMs ?? 0)));
}
