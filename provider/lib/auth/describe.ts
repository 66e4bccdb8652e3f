import type { ResolvedAuthConfig } from "./config";

/** Human summary of where auth comes from, for `whoami` and logs. Never includes a secret. */
export function describeAuth(config: ResolvedAuthConfig, method = config.authType): string {
  const from = (attr: string): string => (config.sources[attr] ? ` (from ${config.sources[attr]})` : "");
  const parts = [`host ${config.host}${from("host")}`];
  if (method === "pat") parts.push(`auth pat: personal access token${from("token")}`);
  else if (method === "oauth-m2m") parts.push(`auth oauth-m2m: client id ${config.clientId ?? "?"}${from("clientId")}, client secret${from("clientSecret")}`);
  else if (method !== undefined) parts.push(`auth ${method}${from("authType")}`);
  else parts.push("auth: the first method that works, in the Databricks SDKs' order");
  if (config.profile !== undefined) parts.push(`profile ${config.profile}${from("profile")}`);
  if (config.workspaceId !== undefined) parts.push(`workspace id ${config.workspaceId}`);
  return parts.join("; ");
}
