// google-credentials: a Google service account key (google_credentials / GOOGLE_CREDENTIALS: a path
// or the JSON). The Databricks token is a Google ID token for the workspace URL; a Google access token
// of the account goes in X-Databricks-GCP-SA-Access-Token when obtainable (Go SDK).
import { howToSet } from "./attributes";
import { NOT_GCP, gcpAccessTokenHeader, isGcp } from "./gcp";
import { AuthTokenError } from "./http";
import { readGoogleCredentials, serviceAccountAccessToken, serviceAccountIdToken } from "./google";
import { bearerSource, type CredentialStrategy } from "./strategy";
import { identityKey, sharedTokenCache } from "./token-cache";

export const googleCredentialsStrategy: CredentialStrategy = {
  name: "google-credentials",
  missing(cfg) {
    if (cfg.googleCredentials === undefined) return `no service account key: set ${howToSet("googleCredentials")} (a path or the key JSON)`;
    if (!isGcp(cfg)) return NOT_GCP;
    return undefined;
  },
  async configure(cfg, ctx, signal) {
    const source = cfg.sources.googleCredentials ? ` from ${cfg.sources.googleCredentials}` : "";
    const key = readGoogleCredentials(cfg.googleCredentials as string, source);
    if (key.type !== "service_account") {
      throw new AuthTokenError(`google_credentials${source} must be a service account key; for your own gcloud sign-in use google-id with google_service_account`, { retryable: false });
    }
    // The key itself is the identity: another key of the same account may be revoked.
    const id = [key.client_email, key.token_uri, key.private_key];
    const inner = sharedTokenCache(identityKey("google-credentials", [...id, cfg.host]), (s) => serviceAccountIdToken(key, cfg.host, s));
    const platform = sharedTokenCache(identityKey("google-credentials", [...id, "access"]), (s) => serviceAccountAccessToken(key, s));
    await inner.get(signal);
    return bearerSource(inner, await gcpAccessTokenHeader("google-credentials", platform, ctx, signal));
  },
};
