// What every credential strategy (one per file: pat.ts, oauth-m2m.ts, databricks-cli.ts, …) provides.
import type { AuthType } from "./attributes";
import type { ResolvedAuthConfig } from "./config";
import type { TokenCache } from "./token-cache";

export interface StrategyContext {
  /** The environment (PATH for CLIs, endpoint overrides, ID-token variables). */
  env: NodeJS.ProcessEnv;
  /** One line for the user about how sign-in goes (already redacted; stderr by default). */
  log(line: string): void;
  /** How long the commands of a CLI may take to give one token, together. */
  toolTimeoutMs: number;
}

/**
 * Request headers for one authenticated call. `signal` is the caller's deadline: waiting for a
 * token stops when it aborts.
 */
export interface HeaderSource {
  headers(signal?: AbortSignal): Promise<Record<string, string>>;
  /** Drop cached tokens (after a 401). */
  invalidate(): void;
}

export interface CredentialStrategy {
  name: AuthType;
  /**
   * Why this strategy does not apply (a missing prerequisite, and how to provide it), or undefined
   * when it may: cheap, no network and no process started.
   */
  missing(cfg: ResolvedAuthConfig, ctx: StrategyContext): string | undefined;
  /**
   * Sets the strategy up and obtains a first token (the SDKs' dry run), so a default-order search
   * moves on when it cannot; whatever the method sends only when it can (a second token for a
   * header) is decided here, once. Throws an AuthTokenError whose message says the next step.
   */
  configure(cfg: ResolvedAuthConfig, ctx: StrategyContext, signal?: AbortSignal): Promise<HeaderSource>;
}

/** A HeaderSource sending `Authorization: Bearer <token>` from a cache, plus fixed or computed extras. */
export function bearerSource(cache: TokenCache, extra?: (signal?: AbortSignal) => Promise<Record<string, string>>, onInvalidate?: () => void): HeaderSource {
  return {
    async headers(signal) {
      const t = await cache.get(signal);
      return { authorization: `Bearer ${t.accessToken}`, ...(extra ? await extra(signal) : {}) };
    },
    invalidate() {
      cache.invalidate();
      onInvalidate?.();
    },
  };
}

/** `what (from source)` for messages. */
export function from(cfg: ResolvedAuthConfig, attr: string): string {
  const s = cfg.sources[attr];
  return s ? ` (from ${s})` : "";
}
