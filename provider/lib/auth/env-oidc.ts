// env-oidc: workload identity federation with an ID token in an environment variable
// (DATABRICKS_OIDC_TOKEN, or the variable named by oidc_token_env / DATABRICKS_OIDC_TOKEN_ENV),
// exchanged at the workspace's /oidc/v1/token. The variable is read at every refresh.
import { federatedSource } from "./oidc";
import { AuthTokenError } from "./http";
import { registerSecret } from "./redact";
import type { CredentialStrategy } from "./strategy";
import type { ResolvedAuthConfig } from "./config";

const DEFAULT_VARIABLE = "DATABRICKS_OIDC_TOKEN";

const variableOf = (cfg: ResolvedAuthConfig): string => cfg.oidcTokenEnv ?? DEFAULT_VARIABLE;

export const envOidcStrategy: CredentialStrategy = {
  name: "env-oidc",
  missing(cfg, ctx) {
    const name = variableOf(cfg);
    if (!ctx.env[name]?.trim()) return `no ID token in the environment variable ${name}${cfg.oidcTokenEnv ? ` (named by oidc_token_env${cfg.sources.oidcTokenEnv ? `, from ${cfg.sources.oidcTokenEnv}` : ""})` : " (or set oidc_token_env / DATABRICKS_OIDC_TOKEN_ENV to the variable that holds one)"}`;
    return undefined;
  },
  configure(cfg, ctx, signal) {
    const name = variableOf(cfg);
    registerSecret(ctx.env[name]);
    // The variable, and the ID token in it now (another environment object may hold another).
    return federatedSource(cfg, "env-oidc", [name, ctx.env[name]?.trim()], async () => {
      const value = ctx.env[name]?.trim();
      if (!value) throw new AuthTokenError(`the environment variable ${name} holds no ID token`, { retryable: false });
      registerSecret(value);
      return value;
    }, signal);
  },
};
