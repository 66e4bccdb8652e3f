// Whether the workspace is a Databricks on Google Cloud one, for google-credentials and google-id.
import type { ResolvedAuthConfig } from "./config";
import type { TokenCache } from "./token-cache";

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

/** The optional X-Databricks-GCP-SA-Access-Token header from a cache of the account's access tokens. */
export function gcpAccessTokenHeader(platform: TokenCache): () => Promise<Record<string, string>> {
  return async (): Promise<Record<string, string>> => {
    try {
      return { [GCP_SA_HEADER]: (await platform.get()).accessToken };
    } catch {
      return {};
    }
  };
}
