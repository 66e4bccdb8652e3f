// azure-msi: an Azure managed identity (azure_use_msi / ARM_USE_MSI), token from the instance
// metadata service (IMDS). AZURE_POD_IDENTITY_AUTHORITY_HOST — the Azure Identity libraries' setting
// for another IMDS address — points it elsewhere (an emulator). A user-assigned identity is picked
// with azure_client_id / ARM_CLIENT_ID.
import { howToSet, isTrue } from "./attributes";
import { NOT_AZURE, azureSource, isAzure } from "./azure";
import type { ResolvedAuthConfig } from "./config";
import { AuthTokenError, assertOk, field, httpExchange } from "./http";
import { registerSecret } from "./redact";
import type { CredentialStrategy, StrategyContext } from "./strategy";
import { expiryFromExpiresIn, type Token } from "./token-cache";

const IMDS = "http://169.254.169.254";
const IMDS_TIMEOUT_MS = 10_000;

function imdsBase(ctx: StrategyContext): string {
  return (ctx.env.AZURE_POD_IDENTITY_AUTHORITY_HOST?.trim() || IMDS).replace(/\/+$/, "");
}

async function msiToken(cfg: ResolvedAuthConfig, ctx: StrategyContext, resource: string, signal: AbortSignal): Promise<Token> {
  const url = new URL(`${imdsBase(ctx)}/metadata/identity/oauth2/token`);
  url.searchParams.set("api-version", "2018-02-01");
  url.searchParams.set("resource", resource);
  if (cfg.azureClientId !== undefined) url.searchParams.set("client_id", cfg.azureClientId);
  const who = cfg.azureClientId !== undefined ? `user-assigned identity "${cfg.azureClientId}"` : "the system-assigned identity";
  const what = `cannot get a managed identity token for ${who} from ${imdsBase(ctx)}`;
  const started = Date.now();
  const answer = await httpExchange(what, url.toString(), { headers: { Metadata: "true" }, timeoutMs: IMDS_TIMEOUT_MS, signal }).catch((e: unknown) => {
    if (e instanceof AuthTokenError && !signal.aborted) {
      // No answer from IMDS means no managed identity here: nothing to retry.
      throw new AuthTokenError(`${e.message} — is this running on an Azure resource with a managed identity? (else unset azure_use_msi / ARM_USE_MSI)`, { retryable: false });
    }
    throw e;
  });
  assertOk(what, answer, "check that the managed identity is assigned to this resource and azure_client_id names it");
  const accessToken = field(what, answer, "access_token");
  registerSecret(accessToken);
  const expiresOn = Number(answer.json.expires_on);
  return { accessToken, expiresAt: Number.isFinite(expiresOn) && expiresOn > 0 ? expiresOn * 1000 : expiryFromExpiresIn(answer.json.expires_in, started) };
}

export const azureMsiStrategy: CredentialStrategy = {
  name: "azure-msi",
  missing(cfg) {
    if (!isTrue(cfg.azureUseMsi)) return `managed identity not enabled: set ${howToSet("azureUseMsi")} to true`;
    if (!isAzure(cfg)) return NOT_AZURE;
    return undefined;
  },
  configure(cfg, ctx, signal) {
    return azureSource("azure-msi", cfg, ctx, signal, [imdsBase(ctx), cfg.azureClientId], (resource, s) => msiToken(cfg, ctx, resource, s));
  },
};
