// databricks-cli: user-to-machine OAuth tokens from the Databricks CLI's login
// (`databricks auth login`), read with `databricks auth token --profile <p>` or `--host <h>`
// (Go SDK cli_token_source.go: the profile when one is selected, else the host), plus
// `--force-refresh` when the CLI has it (below).
import { findExecutable, firstLine, toolOutcome, toolSession } from "./exec";
import { AuthTokenError } from "./http";
import { registerSecret } from "./redact";
import { SharedWork } from "./shared-work";
import { bearerSource, type CredentialStrategy, type StrategyContext } from "./strategy";
import { identityKey, sharedTokenCache, type Token } from "./token-cache";
import type { ResolvedAuthConfig } from "./config";

const INSTALL = "https://docs.databricks.com/dev-tools/cli/install.html";

/**
 * The first CLI whose `auth token` has `--force-refresh`: it refreshes instead of answering from the
 * CLI's own token cache. This process decides when a token is due (before expiry, after a 401), so
 * like the Go SDK (cli_token_source.go, from `databricks version`) it asks with the flag whenever the
 * CLI has it — otherwise the CLI may hand back a token about to expire, or the very token the
 * workspace just refused.
 */
const FORCE_REFRESH_SINCE: Version = [0, 296, 0];

/** major, minor, patch, and whether it is a pre-release (a dev build: "v0.0.0-dev…"). */
type Version = [number, number, number, boolean?];

/** "Databricks CLI v0.296.0" → [0, 296, 0]; undefined when the output is not a version. */
function parseCliVersion(output: string): Version | undefined {
  const m = /^(?:Databricks CLI )?v?(\d+)\.(\d+)\.(\d+)(-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.exec(output.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] !== undefined] : undefined;
}

/** `v` is `min` or later (a pre-release of `min` is earlier, as in semver). */
function atLeast(v: Version, min: Version): boolean {
  for (let i = 0; i < 3; i++) if (v[i] !== min[i]) return (v[i] as number) > (min[i] as number);
  return !v[3];
}

/** The version of each CLI executable, read once per process (`databricks version`). */
const versions = new Map<string, SharedWork<Version | undefined>>();

/** Test hook: forget the CLI versions read. */
export function clearCliVersions(): void {
  versions.clear();
}

/** The CLI's version; undefined when it cannot be read, which (as in the Go SDK) means: use no optional flag. */
function cliVersion(cli: string, ctx: StrategyContext, signal: AbortSignal | undefined): Promise<Version | undefined> {
  let work = versions.get(cli);
  if (!work) {
    work = new SharedWork(async (s) => {
      const res = await toolSession(ctx, s)(cli, ["version"]);
      return res.code === 0 ? parseCliVersion(res.stdout) : undefined;
    }, true);
    versions.set(cli, work);
  }
  return work.wait(signal);
}

const showVersion = (v: Version | undefined): string => (v ? `v${v.slice(0, 3).join(".")}${v[3] ? " (a development build)" : ""}` : "(version unknown)");

function cliName(cfg: ResolvedAuthConfig): string {
  return cfg.databricksCliPath ?? "databricks";
}

/** `--profile p` when a profile is selected and written for this host; else `--host h`. */
function selector(cfg: ResolvedAuthConfig): string[] {
  if (cfg.profile !== undefined && cfg.profileHost === undefined && cfg.sources.profile !== undefined && cfg.configFile !== undefined) {
    return ["--profile", cfg.profile];
  }
  return ["--host", cfg.host];
}

/** The exact login command that gives the CLI a token for these settings. */
export function loginCommand(cfg: ResolvedAuthConfig): string {
  return `databricks auth login ${selector(cfg).join(" ")}`;
}

/** RFC 3339 (the CLI's format) or "YYYY-MM-DD HH:MM:SS[.fff]" (local time), as the SDKs accept. */
export function parseCliExpiry(text: unknown): number | undefined {
  if (typeof text !== "string" || text === "") return undefined;
  const iso = Date.parse(text);
  if (Number.isFinite(iso)) return iso;
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
  return new Date(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], ms).getTime();
}

async function cliToken(cfg: ResolvedAuthConfig, ctx: StrategyContext, cli: string, version: Version | undefined, signal: AbortSignal, rejected: string | undefined): Promise<Token> {
  const forceRefresh = version !== undefined && atLeast(version, FORCE_REFRESH_SINCE);
  const args = ["auth", "token", ...selector(cfg), ...(forceRefresh ? ["--force-refresh"] : [])];
  const shown = `databricks ${args.join(" ")}`;
  const res = await toolSession(ctx, signal)(cli, args);
  if (res.timedOut) {
    throw new AuthTokenError(`\`${shown}\` ${toolOutcome(res)} without an answer; check that it prints a token in a terminal (it may be waiting for the network or for input)`, { retryable: false });
  }
  if (res.code !== 0) {
    const why = firstLine(res.stderr) || `exit code ${res.code}`;
    throw new AuthTokenError(`\`${shown}\` failed: ${why}. Sign in again: run \`${loginCommand(cfg)}\``, { retryable: false });
  }
  let parsed: { access_token?: unknown; expiry?: unknown };
  try {
    parsed = JSON.parse(res.stdout) as typeof parsed;
  } catch {
    throw new AuthTokenError(`\`${shown}\` did not print a token as JSON; upgrade the Databricks CLI (${INSTALL}) and run \`${loginCommand(cfg)}\``, { retryable: false });
  }
  if (typeof parsed.access_token !== "string" || parsed.access_token === "") {
    throw new AuthTokenError(`\`${shown}\` printed no access_token; run \`${loginCommand(cfg)}\``, { retryable: false });
  }
  registerSecret(parsed.access_token);
  const expiresAt = parseCliExpiry(parsed.expiry);
  if (expiresAt !== undefined && expiresAt <= Date.now()) {
    throw new AuthTokenError(`the Databricks CLI login for ${cfg.host} has expired; run \`${loginCommand(cfg)}\``, { retryable: false });
  }
  if (parsed.access_token === rejected) {
    // Sending it again would only be refused again.
    const upgrade = forceRefresh ? "" : ` (Databricks CLI ${showVersion(version)} answers from its own token cache; v0.296.0 and later can force a refresh: ${INSTALL})`;
    throw new AuthTokenError(`\`${shown}\` handed back the same token, which ${cfg.host} has just rejected (HTTP 401)${upgrade}. Sign in again: run \`${loginCommand(cfg)}\``, { retryable: false });
  }
  return { accessToken: parsed.access_token, expiresAt };
}

export const databricksCliStrategy: CredentialStrategy = {
  name: "databricks-cli",
  missing(cfg, ctx) {
    const name = cliName(cfg);
    if (findExecutable(name, ctx.env) === undefined) {
      const where = cfg.databricksCliPath !== undefined ? `at ${name}${cfg.sources.databricksCliPath ? ` (from ${cfg.sources.databricksCliPath})` : ""}` : "on PATH";
      return `the Databricks CLI was not found ${where}: install it (${INSTALL}), then run \`${loginCommand(cfg)}\``;
    }
    return undefined;
  },
  async configure(cfg, ctx, signal) {
    const cli = findExecutable(cliName(cfg), ctx.env) as string;
    const version = await cliVersion(cli, ctx, signal);
    // The login the CLI answers from: its executable, home (its token cache), config file (a profile's host) and the selector.
    const identity = [cli, ctx.env.HOME, ctx.env.DATABRICKS_CONFIG_FILE, cfg.configFile, cfg.host, ...selector(cfg)];
    const cache = sharedTokenCache(identityKey("databricks-cli", identity), (s, rejected) => cliToken(cfg, ctx, cli, version, s, rejected));
    await cache.get(signal);
    return bearerSource(cache);
  },
};
