// azure-cli: the Azure CLI's sign-in (`az login`), token from
// `az account get-access-token --resource <Azure Databricks app id> --output json [--tenant <t>]`.
// The tenant is azure_tenant_id / ARM_TENANT_ID, else the workspace's own (discovered); a managed
// identity signed in to az gets no --tenant (Go SDK auth_azure_cli.go).
import { NOT_AZURE, azureSource, discoverTenant, isAzure } from "./azure";
import type { ResolvedAuthConfig } from "./config";
import { parseCliExpiry } from "./databricks-cli";
import { findExecutable, firstLine, toolOutcome, toolSession, type ToolResult } from "./exec";
import { AuthTokenError } from "./http";
import { registerSecret } from "./redact";
import type { CredentialStrategy, StrategyContext } from "./strategy";
import type { Token } from "./token-cache";

const INSTALL = "https://learn.microsoft.com/cli/azure/install-azure-cli";

function loginHint(tenant: string | undefined): string {
  return `run \`az login${tenant ? ` --tenant ${tenant}` : ""}\``;
}

/** The subscription in an Azure resource id (/subscriptions/<id>/resourceGroups/…). */
function subscriptionOf(resourceId: string | undefined): string | undefined {
  const parts = resourceId?.split("/") ?? [];
  return parts.length >= 3 && parts[2] ? parts[2] : undefined;
}

interface AzAccount {
  user?: { name?: string; type?: string };
}

/** A token for `resource` from the Azure CLI: its commands share one time budget (./exec.ts toolSession). */
async function azToken(cfg: ResolvedAuthConfig, ctx: StrategyContext, az: string, resource: string, tenant: string | undefined, signal: AbortSignal): Promise<Token> {
  const run = toolSession(ctx, signal);
  const account = await run(az, ["account", "show", "--output", "json"]);
  if (account.timedOut) throw new AuthTokenError(`\`az account show\` ${toolOutcome(account)}; check that the Azure CLI answers in a terminal`, { retryable: false });
  if (account.code !== 0) {
    throw new AuthTokenError(`the Azure CLI is not signed in (${firstLine(account.stderr) || `exit code ${account.code}`}); ${loginHint(tenant)}`, { retryable: false });
  }
  let info: AzAccount = {};
  try {
    info = JSON.parse(account.stdout) as AzAccount;
  } catch {
    // An unreadable `account show` is not fatal: the token call says what is wrong.
  }
  const isMsi = info.user?.type === "servicePrincipal" && (info.user.name === "systemAssignedIdentity" || info.user.name === "userAssignedIdentity");
  const attempt = async (withTenant: string | undefined): Promise<ToolResult> => {
    const args = ["account", "get-access-token", "--resource", resource, "--output", "json"];
    if (withTenant) args.push("--tenant", withTenant);
    // Only when the tenant is not known (configured or discovered): with it, the subscription is not needed.
    const subscription = subscriptionOf(cfg.azureWorkspaceResourceId);
    if (subscription && !tenant) {
      const bySubscription = await run(az, [...args, "--subscription", subscription]);
      if (bySubscription.code === 0 || bySubscription.timedOut) return bySubscription;
    }
    return run(az, args);
  };
  let res = await attempt(isMsi ? undefined : tenant);
  // A federated service principal may fail with a tenant: try once without (Go SDK). Not after a timeout.
  if (res.code !== 0 && !res.timedOut && !isMsi && tenant && info.user?.type === "servicePrincipal") res = await attempt(undefined);
  if (res.code !== 0) {
    const next = res.timedOut ? "check that `az account get-access-token` answers in a terminal" : loginHint(tenant);
    throw new AuthTokenError(`\`az account get-access-token --resource ${resource}${tenant && !isMsi ? ` --tenant ${tenant}` : ""}\` ${toolOutcome(res)}; ${next}`, { retryable: false });
  }
  let parsed: { accessToken?: unknown; expiresOn?: unknown; expires_on?: unknown };
  try {
    parsed = JSON.parse(res.stdout) as typeof parsed;
  } catch {
    throw new AuthTokenError("`az account get-access-token` did not print JSON; upgrade the Azure CLI", { retryable: false });
  }
  if (typeof parsed.accessToken !== "string" || parsed.accessToken === "") {
    throw new AuthTokenError(`\`az account get-access-token\` printed no accessToken; ${loginHint(tenant)}`, { retryable: false });
  }
  registerSecret(parsed.accessToken);
  const epoch = Number(parsed.expires_on);
  const expiresAt = Number.isFinite(epoch) && epoch > 0 ? epoch * 1000 : parseCliExpiry(parsed.expiresOn);
  return { accessToken: parsed.accessToken, expiresAt };
}

export const azureCliStrategy: CredentialStrategy = {
  name: "azure-cli",
  missing(cfg, ctx) {
    if (!isAzure(cfg)) return NOT_AZURE;
    if (findExecutable("az", ctx.env) === undefined) return `the Azure CLI (az) was not found on PATH: install it (${INSTALL}), then run \`az login\``;
    return undefined;
  },
  async configure(cfg, ctx, signal) {
    const az = findExecutable("az", ctx.env) as string;
    const tenant = await discoverTenant(cfg, signal);
    // The sign-in is az's (its config dir), in a tenant; without a tenant, the subscription picks the account.
    const identity = [az, tenant, ctx.env.AZURE_CONFIG_DIR, ctx.env.HOME, tenant ? undefined : subscriptionOf(cfg.azureWorkspaceResourceId)];
    return azureSource("azure-cli", cfg, ctx, signal, identity, (resource, s) => azToken(cfg, ctx, az, resource, tenant, s));
  },
};
