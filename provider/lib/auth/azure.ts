// What the Azure strategies share: whether the workspace is on Azure, the Azure cloud's endpoints,
// the Azure Databricks application id (the token resource), tenant discovery, and the headers the
// SDKs send with Azure tokens (Go SDK azure.go, oauth_visitors.go, common/environment).
import { howToSet } from "./attributes";
import type { ResolvedAuthConfig } from "./config";
import { cancelled, httpExchange } from "./http";
import { bearerSource, type HeaderSource, type StrategyContext } from "./strategy";
import { identityKey, optionalToken, sharedTokenCache, type TokenCache, type Token } from "./token-cache";

/** The Azure Databricks first-party application: the `resource` of every Azure Databricks token. */
export const AZURE_DATABRICKS_APP_ID = "2ff814a6-3304-4ab8-85cb-cd0e6f879c1d";

interface AzureCloud {
  name: "PUBLIC" | "USGOVERNMENT" | "CHINA";
  dnsZone: string;
  activeDirectory: string;
  serviceManagement: string;
}

const CLOUDS: readonly AzureCloud[] = [
  { name: "PUBLIC", dnsZone: ".azuredatabricks.net", activeDirectory: "https://login.microsoftonline.com/", serviceManagement: "https://management.core.windows.net/" },
  { name: "USGOVERNMENT", dnsZone: ".databricks.azure.us", activeDirectory: "https://login.microsoftonline.us/", serviceManagement: "https://management.core.usgovcloudapi.net/" },
  { name: "CHINA", dnsZone: ".databricks.azure.cn", activeDirectory: "https://login.chinacloudapi.cn/", serviceManagement: "https://management.core.chinacloudapi.cn/" },
];

/** Pre-production Azure Databricks zones use their own application ids. */
const DEV_APP_IDS: ReadonlyArray<[string, string]> = [
  [".dev.azuredatabricks.net", "62a912ac-b58e-4c1d-89ea-b2dbfc7358fc"],
  [".staging.azuredatabricks.net", "4a67d088-db5c-48f1-9ff2-0aace800ae68"],
];

function hostname(host: string): string {
  try {
    return new URL(host).hostname;
  } catch {
    return host;
  }
}

/**
 * Whether the workspace is an Azure Databricks one: its host is in an Azure zone, an Azure resource
 * id is set, or `cloud` (DATABRICKS_CLOUD) says so — the last two also for a workspace behind a
 * custom or local host name.
 */
export function isAzure(cfg: ResolvedAuthConfig): boolean {
  if (cfg.azureWorkspaceResourceId !== undefined) return true;
  if (cfg.cloud !== undefined) return cfg.cloud.toUpperCase() === "AZURE";
  const name = hostname(cfg.host);
  return CLOUDS.some((c) => name.endsWith(c.dnsZone));
}

export const NOT_AZURE = `the host is not an Azure Databricks workspace (set ${howToSet("azureWorkspaceResourceId")}, or cloud = azure, for a custom host name)`;

export function azureCloud(cfg: ResolvedAuthConfig): AzureCloud {
  const name = hostname(cfg.host);
  const byHost = CLOUDS.find((c) => name.endsWith(c.dnsZone));
  if (byHost) return byHost;
  const wanted = (cfg.azureEnvironment ?? "PUBLIC").toUpperCase();
  return CLOUDS.find((c) => c.name === wanted) ?? CLOUDS[0];
}

export function azureAppId(cfg: ResolvedAuthConfig): string {
  const name = hostname(cfg.host);
  return DEV_APP_IDS.find(([zone]) => name.endsWith(zone))?.[1] ?? AZURE_DATABRICKS_APP_ID;
}

/**
 * The Microsoft Entra ID endpoint (with a trailing slash): the cloud's, or AZURE_AUTHORITY_HOST —
 * the Azure Identity libraries' setting for another authority (sovereign clouds, Azure Stack, an
 * emulator).
 */
export function entraEndpoint(cfg: ResolvedAuthConfig, ctx: StrategyContext): string {
  const override = ctx.env.AZURE_AUTHORITY_HOST?.trim();
  const base = override ? override : azureCloud(cfg).activeDirectory;
  return base.endsWith("/") ? base : `${base}/`;
}

/** The service management resource (its token goes in X-Databricks-Azure-SP-Management-Token). */
export function managementResource(cfg: ResolvedAuthConfig): string {
  return azureCloud(cfg).serviceManagement;
}

/**
 * The tenant of the workspace, when not configured: Azure Databricks redirects `GET {host}/aad/auth`
 * to `https://<entra>/<tenant>/oauth2/authorize` (Go SDK `loadAzureTenantId`). Undefined when the
 * workspace does not say.
 */
export async function discoverTenant(cfg: ResolvedAuthConfig, signal?: AbortSignal): Promise<string | undefined> {
  if (cfg.azureTenantId !== undefined) return cfg.azureTenantId;
  try {
    const res = await httpExchange("Azure tenant discovery", `${cfg.host}/aad/auth`, { timeoutMs: 10_000, signal });
    const location = res.headers.location;
    const url = new URL(Array.isArray(location) ? location[0] : (location ?? ""));
    const tenant = url.pathname.split("/")[1];
    return tenant ? tenant : undefined;
  } catch {
    if (signal?.aborted) throw cancelled(signal);
    return undefined;
  }
}

const MANAGEMENT_HEADER = "X-Databricks-Azure-SP-Management-Token";

/** Azure rejects tokens with 30 s or less left: refresh at least 40 s before expiry (Go SDK). */
export const AZURE_REFRESH_MARGIN_MS = 40_000;

/**
 * The header source of an Azure method: a token for the Azure Databricks resource (obtained now, the
 * dry run), the workspace resource id when configured, and the service management token — which
 * Azure Databricks uses to add a service principal to the workspace on first use — when it can be
 * had. Whether it can is decided here, once per identity and process (./token-cache.ts
 * optionalToken): a user without access to the management endpoint still signs in, and costs one
 * refused call, not one per request. Once had, it is refreshed like the main token, and a failure to
 * refresh it fails the request (Go SDK). `identity`: everything that decides which tokens `fetch` gets.
 */
export async function azureSource(
  method: string,
  cfg: ResolvedAuthConfig,
  ctx: StrategyContext,
  signal: AbortSignal | undefined,
  identity: ReadonlyArray<string | undefined>,
  fetch: (resource: string, signal: AbortSignal) => Promise<Token>,
): Promise<HeaderSource> {
  const cacheFor = (resource: string): TokenCache => sharedTokenCache(identityKey(method, [...identity, resource]), (s) => fetch(resource, s), AZURE_REFRESH_MARGIN_MS);
  const inner = cacheFor(azureAppId(cfg));
  await inner.get(signal);
  const management = await optionalToken(cacheFor(managementResource(cfg)), signal, (e) =>
    ctx.log(`${method}: no Azure service management token (${e.message}); requests go without ${MANAGEMENT_HEADER} for the rest of this process`),
  );
  const extra = async (s?: AbortSignal): Promise<Record<string, string>> => {
    const h: Record<string, string> = {};
    if (cfg.azureWorkspaceResourceId !== undefined) h["X-Databricks-Azure-Workspace-Resource-Id"] = cfg.azureWorkspaceResourceId;
    if (management) h[MANAGEMENT_HEADER] = (await management.get(s)).accessToken;
    return h;
  };
  return bearerSource(inner, extra, () => management?.invalidate());
}
