// The configuration attributes of Databricks unified auth: one name per attribute, with its
// environment variable and ~/.databrickscfg key exactly as the official SDKs and the Databricks CLI
// spell them, and the Pulumi stack config key (`databricks:<camelCase name>`, as the Pulumi
// Databricks provider spells it). See docs/authentication.md for the table.

/** Credential strategies, by their `auth_type` name, in the SDKs' default detection order. */
export const AUTH_TYPES = [
  "pat",
  "oauth-m2m",
  "databricks-cli",
  "github-oidc",
  "env-oidc",
  "file-oidc",
  "azure-msi",
  "azure-client-secret",
  "azure-cli",
  "google-credentials",
  "google-id",
] as const;
export type AuthType = (typeof AUTH_TYPES)[number];

/** `auth_type` values the SDKs know that pulumi-genie does not implement (named in the error). */
export const UNSUPPORTED_AUTH_TYPES = ["basic", "metadata-service", "azure-devops-oidc", "github-oidc-azure"] as const;

export interface AttributeSpec {
  /** Name in code and, as `databricks:<attr>`, in Pulumi stack config. */
  attr: string;
  /** Name in ~/.databrickscfg (and in the SDKs' Config); undefined = cannot come from a profile. */
  fileKey?: string;
  env: string;
  /** The SDKs' auth group: two groups set at once without auth_type is an error. */
  group?: string;
  /** A credential: never shown, always redacted, `pulumi config set --secret` only. */
  secret?: boolean;
  /** A boolean flag ("true"/"1"). */
  flag?: boolean;
}

export const ATTRIBUTE_SPECS = [
  { attr: "host", fileKey: "host", env: "DATABRICKS_HOST" },
  { attr: "token", fileKey: "token", env: "DATABRICKS_TOKEN", group: "pat", secret: true },
  { attr: "clientId", fileKey: "client_id", env: "DATABRICKS_CLIENT_ID", group: "oauth" },
  { attr: "clientSecret", fileKey: "client_secret", env: "DATABRICKS_CLIENT_SECRET", group: "oauth", secret: true },
  { attr: "authType", fileKey: "auth_type", env: "DATABRICKS_AUTH_TYPE" },
  { attr: "profile", env: "DATABRICKS_CONFIG_PROFILE" },
  { attr: "configFile", env: "DATABRICKS_CONFIG_FILE" },
  { attr: "accountId", fileKey: "account_id", env: "DATABRICKS_ACCOUNT_ID" },
  { attr: "cloud", fileKey: "cloud", env: "DATABRICKS_CLOUD" },
  { attr: "databricksCliPath", fileKey: "databricks_cli_path", env: "DATABRICKS_CLI_PATH" },
  { attr: "azureWorkspaceResourceId", fileKey: "azure_workspace_resource_id", env: "DATABRICKS_AZURE_RESOURCE_ID", group: "azure" },
  { attr: "azureUseMsi", fileKey: "azure_use_msi", env: "ARM_USE_MSI", group: "azure", flag: true },
  { attr: "azureClientId", fileKey: "azure_client_id", env: "ARM_CLIENT_ID", group: "azure" },
  { attr: "azureClientSecret", fileKey: "azure_client_secret", env: "ARM_CLIENT_SECRET", group: "azure", secret: true },
  { attr: "azureTenantId", fileKey: "azure_tenant_id", env: "ARM_TENANT_ID", group: "azure" },
  { attr: "azureEnvironment", fileKey: "azure_environment", env: "ARM_ENVIRONMENT" },
  { attr: "actionsIdTokenRequestUrl", fileKey: "actions_id_token_request_url", env: "ACTIONS_ID_TOKEN_REQUEST_URL" },
  { attr: "actionsIdTokenRequestToken", fileKey: "actions_id_token_request_token", env: "ACTIONS_ID_TOKEN_REQUEST_TOKEN", secret: true },
  { attr: "databricksIdTokenFilepath", fileKey: "databricks_id_token_filepath", env: "DATABRICKS_OIDC_TOKEN_FILEPATH", group: "file-oidc" },
  { attr: "oidcTokenEnv", fileKey: "oidc_token_env", env: "DATABRICKS_OIDC_TOKEN_ENV", group: "env-oidc" },
  { attr: "audience", fileKey: "audience", env: "DATABRICKS_TOKEN_AUDIENCE" },
  { attr: "googleServiceAccount", fileKey: "google_service_account", env: "DATABRICKS_GOOGLE_SERVICE_ACCOUNT", group: "google" },
  { attr: "googleCredentials", fileKey: "google_credentials", env: "GOOGLE_CREDENTIALS", group: "google", secret: true },
] as const satisfies readonly AttributeSpec[];

export type Attribute = (typeof ATTRIBUTE_SPECS)[number]["attr"];

export const ATTRIBUTES: readonly AttributeSpec[] = ATTRIBUTE_SPECS;

export function specOf(attr: string): AttributeSpec | undefined {
  return ATTRIBUTES.find((a) => a.attr === attr);
}

/** "databricks:<attr>", the key the provider and `--stack` read. */
export const STACK_CONFIG_KEYS = Object.fromEntries(ATTRIBUTES.map((a) => [a.attr, `databricks:${a.attr}`])) as Readonly<Record<Attribute, string>>;

/** Settings that are credentials: only ever `pulumi config set --secret`, the environment or a profile. */
export const SECRET_SETTINGS: ReadonlySet<string> = new Set(ATTRIBUTES.filter((a) => a.secret).map((a) => a.attr));

/** How a user sets one attribute, for error messages: "databricks:token / DATABRICKS_TOKEN / token in a profile". */
export function howToSet(attr: Attribute): string {
  const spec = specOf(attr);
  if (!spec) return attr;
  const parts = [`databricks:${spec.attr}`, spec.env];
  if (spec.fileKey) parts.push(`"${spec.fileKey}" in a profile`);
  return parts.join(" / ");
}

/** "true" / "1" / "yes" (any case) for flags, as the SDKs parse booleans. */
export function isTrue(value: string | undefined): boolean {
  return value !== undefined && /^(true|1|yes|on)$/i.test(value.trim());
}
