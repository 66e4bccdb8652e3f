// google-id: impersonates a Google service account (google_service_account /
// DATABRICKS_GOOGLE_SERVICE_ACCOUNT) with Application Default Credentials (`gcloud auth
// application-default login`, GOOGLE_APPLICATION_CREDENTIALS or the metadata server): an ID token for
// the workspace URL from the IAM Credentials API, and the account's access token in
// X-Databricks-GCP-SA-Access-Token when obtainable.
import { howToSet } from "./attributes";
import { NOT_GCP, gcpAccessTokenHeader, isGcp } from "./gcp";
import { CLOUD_PLATFORM_SCOPES, applicationDefaultAccessToken, applicationDefaultLocations, iamEndpoint, impersonate } from "./google";
import { bearerSource, type CredentialStrategy } from "./strategy";
import { identityKey, sharedTokenCache } from "./token-cache";

export const googleIdStrategy: CredentialStrategy = {
  name: "google-id",
  missing(cfg) {
    if (cfg.googleServiceAccount === undefined) return `no service account to impersonate: set ${howToSet("googleServiceAccount")}`;
    if (!isGcp(cfg)) return NOT_GCP;
    return undefined;
  },
  async configure(cfg, ctx, signal) {
    const sa = cfg.googleServiceAccount as string;
    // Whose Application Default Credentials impersonate: wherever Google's libraries would find them.
    const where = applicationDefaultLocations(ctx);
    const adc = sharedTokenCache(identityKey("google-id", ["adc", where.explicit, where.wellKnown, where.metadataHost]), async (s) => (await applicationDefaultAccessToken(ctx, s)).token);
    const id = ["impersonated", sa, iamEndpoint(ctx), where.explicit, where.wellKnown, where.metadataHost];
    const inner = sharedTokenCache(identityKey("google-id", [...id, cfg.host]), async (s) =>
      impersonate(ctx, (await adc.get(s)).accessToken, sa, "generateIdToken", { audience: cfg.host, includeEmail: true }, s),
    );
    const platform = sharedTokenCache(identityKey("google-id", [...id, "access"]), async (s) =>
      impersonate(ctx, (await adc.get(s)).accessToken, sa, "generateAccessToken", { scope: CLOUD_PLATFORM_SCOPES }, s),
    );
    await inner.get(signal);
    return bearerSource(inner, await gcpAccessTokenHeader("google-id", platform, ctx, signal), () => adc.invalidate());
  },
};
