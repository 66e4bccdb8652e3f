// What google-credentials and google-id share: whether the workspace is a Databricks on Google
// Cloud one, and the optional header with the service account's access token.
import type { ResolvedAuthConfig } from "./config";
import type { StrategyContext } from "./strategy";
import { dropOptionalToken, hasOptionalToken, optionalToken, type TokenCache } from "./token-cache";

export function isGcp(cfg: ResolvedAuthConfig): boolean {
  if (cfg.cloud !== undefined) return cfg.cloud.toUpperCase() === "GCP";
  try {
    return new URL(cfg.host).hostname.endsWith(".gcp.databricks.com");
  } catch {
    return false;
  }
}

export const NOT_GCP = "the host is not a Databricks on Google Cloud workspace (set cloud = gcp / DATABRICKS_CLOUD=GCP for a custom host name)";

/** The header carrying a Google access token of the service account (optional, sent when obtainable). */
export const GCP_SA_HEADER = "X-Databricks-GCP-SA-Access-Token";

/**
 * The X-Databricks-GCP-SA-Access-Token header from a cache of the account's access tokens. Optional
 * (the Go SDK sends it when it can): whether it can is decided now, when the method is set up, once
 * per identity and process (./token-cache.ts optionalToken); a later failure to refresh it also
 * leaves it out from then on. Either is said once, through ctx.log.
 */
export async function gcpAccessTokenHeader(
  method: string,
  platform: TokenCache,
  ctx: StrategyContext,
  signal: AbortSignal | undefined,
): Promise<(signal?: AbortSignal) => Promise<Record<string, string>>> {
  const unavailable = (e: Error): void => ctx.log(`${method}: ${e.message}; requests go without ${GCP_SA_HEADER} for the rest of this process`);
  await optionalToken(platform, signal, unavailable);
  return async (s): Promise<Record<string, string>> => {
    if (!hasOptionalToken(platform)) return {};
    try {
      return { [GCP_SA_HEADER]: (await platform.get(s)).accessToken };
    } catch (e) {
      if (s?.aborted) throw e;
      if (dropOptionalToken(platform)) unavailable(e as Error);
      return {};
    }
  };
}
