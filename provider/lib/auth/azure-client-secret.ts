// azure-client-secret: a Microsoft Entra ID service principal's client secret (client credentials
// at `{entra}/{tenant}/oauth2/token`, resource = the Azure Databricks application) — ARM_CLIENT_ID,
// ARM_CLIENT_SECRET, ARM_TENANT_ID or the azure_* keys.
import { howToSet } from "./attributes";
import { AZURE_REFRESH_MARGIN_MS, NOT_AZURE, azureAppId, azureHeaders, entraEndpoint, isAzure, managementResource } from "./azure";
import type { ResolvedAuthConfig } from "./config";
import { assertOk, field, postForm } from "./http";
import { registerClientCredentials, registerSecret } from "./redact";
import { bearerSource, type CredentialStrategy, type StrategyContext } from "./strategy";
import { expiryFromExpiresIn, identityKey, sharedTokenCache, type Token } from "./token-cache";

async function entraToken(cfg: ResolvedAuthConfig, ctx: StrategyContext, resource: string): Promise<Token> {
  const endpoint = `${entraEndpoint(cfg, ctx)}${encodeURIComponent(cfg.azureTenantId ?? "")}/oauth2/token`;
  const what = `cannot get a Microsoft Entra ID token for client "${cfg.azureClientId}" in tenant ${cfg.azureTenantId} from ${endpoint}`;
  const started = Date.now();
  const answer = await postForm(what, endpoint, {
    grant_type: "client_credentials",
    client_id: cfg.azureClientId,
    client_secret: cfg.azureClientSecret,
    resource,
  });
  assertOk(what, answer, "check azure_client_id, azure_client_secret and azure_tenant_id (ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID)");
  const accessToken = field(what, answer, "access_token");
  registerSecret(accessToken);
  return { accessToken, expiresAt: expiryFromExpiresIn(answer.json.expires_in, started) };
}

export const azureClientSecretStrategy: CredentialStrategy = {
  name: "azure-client-secret",
  missing(cfg) {
    const lacking = (["azureClientId", "azureClientSecret", "azureTenantId"] as const).filter((a) => cfg[a] === undefined);
    if (lacking.length > 0) return `missing ${lacking.map((a) => howToSet(a)).join("; ")}`;
    if (!isAzure(cfg)) return NOT_AZURE;
    return undefined;
  },
  async configure(cfg, ctx) {
    registerClientCredentials(cfg.azureClientId, cfg.azureClientSecret);
    const identity = [entraEndpoint(cfg, ctx), cfg.azureTenantId, cfg.azureClientId, cfg.azureClientSecret];
    const inner = sharedTokenCache(identityKey("azure-client-secret", [...identity, azureAppId(cfg)]), () => entraToken(cfg, ctx, azureAppId(cfg)), AZURE_REFRESH_MARGIN_MS);
    const management = sharedTokenCache(identityKey("azure-client-secret", [...identity, managementResource(cfg)]), () => entraToken(cfg, ctx, managementResource(cfg)), AZURE_REFRESH_MARGIN_MS);
    const source = bearerSource(inner, azureHeaders(cfg, management), () => management.invalidate());
    await source.headers();
    return source;
  },
};
