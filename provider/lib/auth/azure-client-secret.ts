// azure-client-secret: a Microsoft Entra ID service principal's client secret (client credentials
// at `{entra}/{tenant}/oauth2/token`, resource = the Azure Databricks application) — ARM_CLIENT_ID,
// ARM_CLIENT_SECRET, ARM_TENANT_ID or the azure_* keys.
import { howToSet } from "./attributes";
import { NOT_AZURE, azureSource, entraEndpoint, isAzure } from "./azure";
import type { ResolvedAuthConfig } from "./config";
import { assertOk, field, postForm } from "./http";
import { registerClientCredentials, registerSecret } from "./redact";
import type { CredentialStrategy, StrategyContext } from "./strategy";
import { expiryFromExpiresIn, type Token } from "./token-cache";

async function entraToken(cfg: ResolvedAuthConfig, ctx: StrategyContext, resource: string, signal: AbortSignal): Promise<Token> {
  const endpoint = `${entraEndpoint(cfg, ctx)}${encodeURIComponent(cfg.azureTenantId ?? "")}/oauth2/token`;
  const what = `cannot get a Microsoft Entra ID token for client "${cfg.azureClientId}" in tenant ${cfg.azureTenantId} from ${endpoint}`;
  const started = Date.now();
  const answer = await postForm(
    what,
    endpoint,
    {
      grant_type: "client_credentials",
      client_id: cfg.azureClientId,
      client_secret: cfg.azureClientSecret,
      resource,
    },
    { signal },
  );
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
  configure(cfg, ctx, signal) {
    registerClientCredentials(cfg.azureClientId, cfg.azureClientSecret);
    const identity = [entraEndpoint(cfg, ctx), cfg.azureTenantId, cfg.azureClientId, cfg.azureClientSecret];
    return azureSource("azure-client-secret", cfg, ctx, signal, identity, (resource, s) => entraToken(cfg, ctx, resource, s));
  },
};
