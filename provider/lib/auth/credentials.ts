// Turns a resolved config into request headers: the configured strategy (auth_type), or the first
// strategy in the SDKs' default order that can sign in. The choice is made once per process and
// settings, at the first request, with one selection in flight. A caller with a deadline waits for
// its credential until then, not longer (see ./shared-work.ts).
import type { AuthType } from "./attributes";
import { AuthConfigError, type ResolvedAuthConfig } from "./config";
import { seconds, TOOL_TIMEOUT_MS } from "./exec";
import { AuthTokenError } from "./http";
import { clearDiscoveryCache } from "./oidc";
import { redactSecrets } from "./redact";
import { SharedWork } from "./shared-work";
import type { CredentialStrategy, HeaderSource, StrategyContext } from "./strategy";
import { clearTokenCaches } from "./token-cache";
import { patStrategy } from "./pat";
import { oauthM2mStrategy } from "./oauth-m2m";
import { clearCliVersions, databricksCliStrategy } from "./databricks-cli";
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

export interface CredentialRequest {
  /**
   * Epoch ms by which the caller needs its headers (its operation's deadline): it stops waiting
   * then with an AuthTokenError whose `deadlineExceeded` is set, and a CLI or token request started
   * for it alone is stopped.
   */
  deadline?: number;
}

/** What a client needs to authenticate a request (a test may hand in just a bearer). */
export interface Credentials {
  /** The `Authorization` value alone, "Bearer …". */
  authorization(req?: CredentialRequest): Promise<string>;
  /** Every header a request needs: Authorization and any the method adds (Azure, GCP). */
  headers?(req?: CredentialRequest): Promise<Record<string, string>>;
  /** Drop cached tokens (called after a 401). */
  invalidate(): void;
}

/** Credentials from a resolved config: all headers, and which strategy is in use. */
export interface ResolvedCredentials extends Credentials {
  headers(req?: CredentialRequest): Promise<Record<string, string>>;
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
  /** How long a CLI (`databricks`, `az`) may take to give one token, all its commands together; default 60 s. */
  toolTimeoutMs?: number;
}

function strategyContext(opts: CredentialsOptions): StrategyContext {
  const sink = opts.log ?? ((line: string) => void process.stderr.write(`pulumi-genie: ${line}\n`));
  return { env: opts.env ?? process.env, log: (line) => sink(redactSecrets(line)), toolTimeoutMs: opts.toolTimeoutMs ?? TOOL_TIMEOUT_MS };
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

async function select(config: ResolvedAuthConfig, ctx: StrategyContext, signal: AbortSignal): Promise<{ method: AuthType; source: HeaderSource }> {
  if (config.authType !== undefined) {
    const s = strategiesFor(config)[0];
    const why = s.missing(config, ctx);
    if (why !== undefined) {
      const src = config.sources.authType ? ` (from ${config.sources.authType})` : "";
      throw new AuthConfigError(`auth type "${s.name}"${src} cannot be used: ${why}`);
    }
    return { method: s.name, source: await s.configure(config, ctx, signal) };
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
      return { method: s.name, source: await s.configure(config, ctx, signal) };
    } catch (e) {
      // Out of time: the search stops here, it did not find that this method cannot sign in.
      if (signal.aborted) throw e;
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
  const selection = new SharedWork((signal) => select(config, ctx, signal), true);
  const headers = (req: CredentialRequest = {}): Promise<Record<string, string>> =>
    withinDeadline(req.deadline, () => selection.value?.method ?? config.authType, async (signal) => (await selection.wait(signal)).source.headers(signal));
  return {
    headers,
    authorization: async (req) => (await headers(req)).authorization,
    invalidate: () => selection.value?.source.invalidate(),
    method: async () => (await selection.wait()).method,
  };
}

/** Runs `work` with a signal that aborts at `deadline` with an AuthTokenError saying which sign-in ran out of time. */
async function withinDeadline<T>(deadline: number | undefined, method: () => string | undefined, work: (signal?: AbortSignal) => Promise<T>): Promise<T> {
  if (deadline === undefined) return work(undefined);
  const started = Date.now();
  const controller = new AbortController();
  const timer = setTimeout(() => {
    const what = method();
    const doing = what ? `signing in with ${what}` : "choosing a sign-in method";
    controller.abort(new AuthTokenError(`${doing} did not finish in time (waited ${seconds(Date.now() - started)} s)`, { retryable: false, deadlineExceeded: true }));
  }, Math.max(0, deadline - started));
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

/** Test hook: forget every cached token, discovered endpoint and CLI version. */
export function clearTokenCache(): void {
  clearTokenCaches();
  clearDiscoveryCache();
  clearCliVersions();
}
