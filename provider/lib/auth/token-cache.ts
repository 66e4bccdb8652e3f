// Tokens cached per process and refreshed before they expire, with one refresh in flight.
// Every client in the process (all resources of a `pulumi up`) shares one cache per identity, so a
// token is fetched once, not once per resource.
import { createHmac, randomBytes } from "node:crypto";
import { registerSecret } from "./redact";
import { SharedWork } from "./shared-work";

export interface Token {
  accessToken: string;
  /** Epoch ms; undefined = no known expiry (refreshed only after a 401). */
  expiresAt?: number;
}

/**
 * Gets a new token. `signal` aborts when nobody waits for it any more (stop the CLI or request);
 * `rejected` is the token the workspace has just refused (after a 401), if that is why it is asked.
 */
export type FetchToken = (signal: AbortSignal, rejected: string | undefined) => Promise<Token>;

/** Refresh margin: 60 s, or 10 % of the lifetime for short-lived tokens. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(60_000, lifetimeMs * 0.1);
}

/** Within this much of expiry a token is not used at all: the caller waits for the refresh. */
const HARD_MARGIN_MS = 5_000;

export class TokenCache {
  private token?: Token;
  private refreshAt = 0;
  private rejected?: string;
  private readonly refreshing: SharedWork<Token>;

  /** `minMarginMs`: refresh at least this early (Azure rejects tokens with < 30 s left: 40 s). */
  constructor(
    fetchToken: FetchToken,
    private readonly minMarginMs = 0,
  ) {
    this.refreshing = new SharedWork(async (signal) => {
      const started = Date.now();
      const rejected = this.rejected;
      try {
        const t = await fetchToken(signal, rejected);
        registerSecret(t.accessToken);
        this.token = t;
        if (t.expiresAt === undefined) this.refreshAt = Number.POSITIVE_INFINITY;
        else {
          const lifetime = Math.max(0, t.expiresAt - started);
          this.refreshAt = t.expiresAt - Math.max(refreshMarginMs(lifetime), this.minMarginMs);
        }
        return t;
      } finally {
        // Told once: a fetch that ran to its end answered it (a cancelled one did not).
        if (this.rejected === rejected && !signal.aborted) this.rejected = undefined;
      }
    });
  }

  /**
   * A token valid now: the cached one, or a refreshed one (one refresh in flight for all callers).
   * Waiting stops when `signal` aborts (the caller's deadline).
   */
  async get(signal?: AbortSignal): Promise<Token> {
    const now = Date.now();
    const t = this.token;
    if (t && now < this.refreshAt) return t;
    if (t && (t.expiresAt === undefined || now < t.expiresAt - HARD_MARGIN_MS)) {
      // Stale but still valid: refresh in the background and use the current token meanwhile.
      this.refreshing.wait().catch(() => undefined);
      return t;
    }
    return this.refreshing.wait(signal);
  }

  /** Drop the cached token (after a 401): the next get() fetches a new one. */
  invalidate(): void {
    if (this.token) this.rejected = this.token.accessToken;
    this.token = undefined;
    this.refreshAt = 0;
  }
}

const caches = new Map<string, TokenCache>();
/** Per process: a cache key means nothing outside it. */
const KEY_SECRET = randomBytes(32);

/**
 * The cache key of one identity: a keyed hash (HMAC-SHA256, per-process key) of the method and
 * everything that decides which token it gets — secrets included, so two configurations that differ
 * only in a secret, a key or an ID-token source never share a token — and nothing in it can be read
 * back or matched outside this process.
 */
export function identityKey(method: string, parts: ReadonlyArray<string | undefined>): string {
  const digest = createHmac("sha256", KEY_SECRET)
    .update(JSON.stringify([method, ...parts.map((p) => p ?? null)]))
    .digest("base64url");
  return `${method}:${digest}`;
}

/** The process-wide cache for one identity (`key` from identityKey()). */
export function sharedTokenCache(key: string, fetchToken: FetchToken, minMarginMs = 0): TokenCache {
  let c = caches.get(key);
  if (!c) {
    c = new TokenCache(fetchToken, minMarginMs);
    caches.set(key, c);
  }
  return c;
}

/** Test hook: forget every cached token. */
export function clearTokenCaches(): void {
  caches.clear();
}

/** Test hook: the keys of the caches (to check that none holds anything readable). */
export function tokenCacheKeys(): string[] {
  return [...caches.keys()];
}

/** Whether an optional token could be had (see optionalToken); per cache, so per identity and process. */
const optional = new WeakMap<TokenCache, boolean>();

/**
 * A token a method sends only when it can (Azure's service management token, Google's access token
 * of the service account), asked for once per identity and process, when the method is set up: the
 * cache when it could be had; else undefined, with `unavailable` told once — the header is then left
 * out for the rest of the process instead of being asked for again before every request (the Go SDK
 * decides the same way, once, when it configures azure-cli).
 */
export async function optionalToken(cache: TokenCache, signal: AbortSignal | undefined, unavailable: (e: Error) => void): Promise<TokenCache | undefined> {
  const known = optional.get(cache);
  if (known !== undefined) return known ? cache : undefined;
  try {
    await cache.get(signal);
    optional.set(cache, true);
    return cache;
  } catch (e) {
    // The caller's deadline says nothing about the token: decide another time.
    if (signal?.aborted) throw e;
    if (!optional.has(cache)) {
      optional.set(cache, false);
      unavailable(e as Error);
    }
    return optional.get(cache) ? cache : undefined;
  }
}

/** Whether an optional token is being sent (see optionalToken). */
export function hasOptionalToken(cache: TokenCache): boolean {
  return optional.get(cache) === true;
}

/** Leaves an optional token out from now on (a later failure); true the first time, to say so once. */
export function dropOptionalToken(cache: TokenCache): boolean {
  if (optional.get(cache) === false) return false;
  optional.set(cache, false);
  return true;
}

/** Expiry from `expires_in` seconds (number or numeric string), relative to `started`. */
export function expiryFromExpiresIn(expiresIn: unknown, started: number, fallbackSeconds = 3600): number {
  const n = Number(expiresIn);
  return started + (Number.isFinite(n) && n > 0 ? n : fallbackSeconds) * 1000;
}

/** Expiry from a JWT's `exp` claim, if it has one. */
export function jwtExpiry(jwt: string): number | undefined {
  const payload = jwt.split(".")[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
