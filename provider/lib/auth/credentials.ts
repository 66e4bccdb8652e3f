// Turns a resolved config into request headers: the configured strategy (auth_type), or the first
// strategy in the SDKs' default order that can sign in. The choice is made once per process and
// settings, at the first request, with one selection in flight.
import type { AuthType } from "./attributes";
import { AuthConfigError, type ResolvedAuthConfig } from "./config";
import { AuthTokenError } from "./http";
import { clearDiscoveryCache } from "./oidc";
import { redactSecrets } from "./redact";
import type { CredentialStrategy, HeaderSource, StrategyContext } from "./strategy";
import { clearTokenCaches } from "./token-cache";
import { patStrategy } from "./pat";
import { oauthM2mStrategy } from "./oauth-m2m";
import { databricksCliStrategy } from "./databricks-cli";
import { githubOidcStrategy } from "./github-oidc";
import { envOidcStrategy } from "./env-oidc";
import { fileOidcStrategy } from "./file-oidc";
import { azureMsiStrategy } from "./azure-msi";
import { azureClientSecretStrategy } from "./azure-client-secret";
import { azureCliStrategy } from "./azure-cli";
import { googleCredentialsStrategy } from "./google-credentials";
import { googleIdStrategy } from "./google-id";

/** The SDKs' default order (Go SDK auth_default.go), restricted to the strategies implemented here. */
export const DEFAULT_ORDER: readonly CredentialStrategy[] = [
  patStrategy,
  oauthM2mStrategy,
  databricksCliStrategy,
  githubOidcStrategy,
  envOidcStrategy,
  fileOidcStrategy,
  azureMsiStrategy,
  azureClientSecretStrategy,
  azureCliStrategy,
  googleCredentialsStrategy,
  googleIdStrategy,
];

/** What a client needs to authenticate a request (a test may hand in just a bearer). */
export interface Credentials {
  /** The `Authorization` value alone, "Bearer …". */
  authorization(): Promise<string>;
  /** Every header a request needs: Authorization and any the method adds (Azure, GCP). */
  headers?(): Promise<Record<string, string>>;
  /** Drop cached tokens (called after a 401). */
  invalidate(): void;
}

/** Credentials from a resolved config: all headers, and which strategy is in use. */
export interface ResolvedCredentials extends Credentials {
  headers(): Promise<Record<string, string>>;
  /** The strategy in use (selects it if no request has yet). */
  method(): Promise<AuthType>;
}

export interface CredentialsOptions {
  /** The environment strategies read (PATH, ID-token variables, endpoint overrides); default process.env. */
  env?: NodeJS.ProcessEnv;
  /**
   * Where the few lines about how sign-in goes are written (e.g. that an optional header is left
   * out); redacted. Default: stderr, prefixed "pulumi-genie: ".
   */
  log?: (line: string) => void;
}

function strategyContext(opts: CredentialsOptions): StrategyContext {
  const sink = opts.log ?? ((line: string) => void process.stderr.write(`pulumi-genie: ${line}\n`));
  return { env: opts.env ?? process.env, log: (line) => sink(redactSecrets(line)) };
}

/** Strategies whose prerequisites hold, in order, with why the others do not apply (no I/O). */
export function candidateMethods(config: ResolvedAuthConfig, opts: CredentialsOptions = {}): { candidates: AuthType[]; skipped: Array<{ method: AuthType; why: string }> } {
  const ctx = strategyContext(opts);
  const candidates: AuthType[] = [];
  const skipped: Array<{ method: AuthType; why: string }> = [];
  for (const s of strategiesFor(config)) {
    const why = s.missing(config, ctx);
    if (why === undefined) candidates.push(s.name);
    else skipped.push({ method: s.name, why });
  }
  return { candidates, skipped };
}

function strategiesFor(config: ResolvedAuthConfig): readonly CredentialStrategy[] {
  if (config.authType === undefined) return DEFAULT_ORDER;
  return DEFAULT_ORDER.filter((s) => s.name === config.authType);
}

async function select(config: ResolvedAuthConfig, ctx: StrategyContext): Promise<{ method: AuthType; source: HeaderSource }> {
  if (config.authType !== undefined) {
    const s = strategiesFor(config)[0];
    const why = s.missing(config, ctx);
    if (why !== undefined) {
      const src = config.sources.authType ? ` (from ${config.sources.authType})` : "";
      throw new AuthConfigError(`auth type "${s.name}"${src} cannot be used: ${why}`);
    }
    return { method: s.name, source: await s.configure(config, ctx) };
  }
  const tried: string[] = [];
  let transient = false;
  for (const s of DEFAULT_ORDER) {
    const why = s.missing(config, ctx);
    if (why !== undefined) {
      tried.push(`  - ${s.name}: ${why}`);
      continue;
    }
    try {
      return { method: s.name, source: await s.configure(config, ctx) };
    } catch (e) {
      if (e instanceof AuthTokenError && e.retryable) transient = true;
      tried.push(`  - ${s.name}: ${(e as Error).message}`);
    }
  }
  throw new AuthTokenError(
    [
      `cannot sign in to ${config.host}: no authentication method worked. Tried, in the Databricks SDKs' order:`,
      ...tried,
      `Settings: ${describeSources(config)}. ${config.fileNote ?? ""}`.trim(),
      "Fix the first method you mean to use (or name it with databricks:authType / DATABRICKS_AUTH_TYPE / auth_type in a profile); every method and its settings: docs/authentication.md.",
    ].join("\n"),
    { retryable: transient },
  );
}

function describeSources(config: ResolvedAuthConfig): string {
  return Object.entries(config.sources)
    .map(([attr, source]) => `${attr} from ${source}`)
    .join(", ");
}

export function credentialsFor(config: ResolvedAuthConfig, opts: CredentialsOptions = {}): ResolvedCredentials {
  const ctx = strategyContext(opts);
  let selected: { method: AuthType; source: HeaderSource } | undefined;
  let inflight: Promise<{ method: AuthType; source: HeaderSource }> | undefined;
  const selection = (): Promise<{ method: AuthType; source: HeaderSource }> => {
    if (selected) return Promise.resolve(selected);
    if (!inflight) {
      const p = select(config, ctx)
        .then((s) => (selected = s))
        .finally(() => {
          if (inflight === p) inflight = undefined;
        });
      inflight = p;
    }
    return inflight;
  };
  const headers = async (): Promise<Record<string, string>> => (await selection()).source.headers();
  return {
    headers,
    authorization: async () => (await headers()).authorization,
    invalidate: () => selected?.source.invalidate(),
    method: async () => (await selection()).method,
  };
}

/** Test hook: forget every cached token and discovered endpoint. */
export function clearTokenCache(): void {
  clearTokenCaches();
  clearDiscoveryCache();
}
