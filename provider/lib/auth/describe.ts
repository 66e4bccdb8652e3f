import type { ResolvedAuthConfig } from "./config";

/** Human summary of where auth comes from, for `whoami` and logs. Never includes a secret. */
export function describeAuth(config: ResolvedAuthConfig): string {
  const from = (attr: string): string => (config.sources[attr] ? ` (from ${config.sources[attr]})` : "");
  const parts = [`host ${config.host}${from("host")}`];
  if (config.authType === "pat") {
    parts.push(`auth pat: personal access token${from("token")}`);
  } else {
    parts.push(`auth oauth-m2m: client id ${config.clientId ?? "?"}${from("clientId")}, client secret${from("clientSecret")}`);
  }
  if (config.profile !== undefined) parts.push(`profile ${config.profile}${from("profile")}`);
  if (config.workspaceId !== undefined) parts.push(`workspace id ${config.workspaceId}`);
  return parts.join("; ");
}
