// google-id: impersonates a Google service account (google_service_account /
// DATABRICKS_GOOGLE_SERVICE_ACCOUNT) with Application Default Credentials (`gcloud auth
// application-default login`, GOOGLE_APPLICATION_CREDENTIALS or the metadata server): an ID token for
// the workspace URL from the IAM Credentials API, and the account's access token in
// X-Databricks-GCP-SA-Access-Token when obtainable.
import { howToSet } from "./attributes";
import { NOT_GCP, gcpAccessTokenHeader, isGcp } from "./gcp";
import { CLOUD_PLATFORM_SCOPES, applicationDefaultAccessToken, iamEndpoint, impersonate } from "./google";
import { bearerSource, type CredentialStrategy } from "./strategy";
import { sharedTokenCache } from "./token-cache";

export const googleIdStrategy: CredentialStrategy = {
  name: "google-id",
  missing(cfg) {
    if (cfg.googleServiceAccount === undefined) return `no service account to impersonate: set ${howToSet("googleServiceAccount")}`;
    if (!isGcp(cfg)) return NOT_GCP;
    return undefined;
  },
  async configure(cfg, ctx) {
    const sa = cfg.googleServiceAccount as string;
    const id = `google-id\u0000${sa}\u0000${iamEndpoint(ctx)}\u0000${ctx.env.GOOGLE_APPLICATION_CREDENTIALS ?? ctx.env.HOME ?? ""}`;
    const adc = sharedTokenCache(`${id}\u0000adc`, async () => (await applicationDefaultAccessToken(ctx)).token);
    const inner = sharedTokenCache(`${id}\u0000${cfg.host}`, async () =>
      impersonate(ctx, (await adc.get()).accessToken, sa, "generateIdToken", { audience: cfg.host, includeEmail: true }),
    );
    const platform = sharedTokenCache(`${id}\u0000access`, async () =>
      impersonate(ctx, (await adc.get()).accessToken, sa, "generateAccessToken", { scope: CLOUD_PLATFORM_SCOPES }),
    );
    const source = bearerSource(
      inner,
      gcpAccessTokenHeader(platform),
      () => adc.invalidate(),
    );
    await source.headers();
    return source;
  },
};
