/**
 * The workspace's OAuth endpoints (docs/genie-api.md §4): the discovery documents real SDKs read
 * to find the token endpoint, and `POST /oidc/v1/token`. None needs a bearer.
 *
 * The token endpoint serves the grant types listed in routes/index.ts (`TOKEN_GRANTS`); a new
 * grant type (like the token exchange in routes/identity.ts) is one `TokenGrant` and one line there.
 */
import { ok, type Reply } from "../http";
import { type AreaFactory, type RequestContext, publicRoute } from "../router";
import type { Workspace } from "../workspace";

/** One OAuth grant type of `POST /oidc/v1/token`. */
export interface TokenGrant {
  /** The `grant_type` form value it serves. */
  type: string;
  /** Answer the token request (its form already parsed). */
  issue(ctx: RequestContext, form: URLSearchParams): Reply;
}

/** An OAuth error answer (RFC 6749 §5.2 shape, as the workspace's token endpoint gives it). */
export const oauthError = (status: number, error: string, description: string): Reply => ({
  status,
  body: { error, error_description: description },
});

/** Client authentication by HTTP Basic or form fields (docs/genie-api.md §4); the workspace of the client, if it is one. */
function authenticateClient(ctx: RequestContext, form: URLSearchParams): { ws: Workspace; clientId: string } | undefined {
  let clientId = form.get("client_id") ?? "";
  let clientSecret = form.get("client_secret") ?? "";
  const basic = /^Basic\s+(\S+)$/i.exec(ctx.req.headers.authorization ?? "");
  if (basic) {
    const decoded = Buffer.from(basic[1], "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon >= 0) {
      clientId = decodeURIComponent(decoded.slice(0, colon));
      clientSecret = decodeURIComponent(decoded.slice(colon + 1));
    }
  }
  // The client picks the workspace: its issued tokens belong there (ids are unique per emulator).
  const ws = clientId ? ctx.emulator.workspaces.find((w) => w.credentials.authenticateClient(clientId, clientSecret)) : undefined;
  return ws && { ws, clientId };
}

const invalidClient = () => oauthError(401, "invalid_client", "Client authentication failed");

/** A grant type the endpoint does not serve: an unknown client hears that first, whatever it asked for. */
export function unsupportedGrant(ctx: RequestContext, form: URLSearchParams): Reply {
  const client = authenticateClient(ctx, form);
  if (!client) return invalidClient();
  ctx.attribute(client.ws);
  return oauthError(400, "unsupported_grant_type", `Grant type '${form.get("grant_type") ?? ""}' is not supported`);
}

/** OAuth M2M: a service principal's client id and secret for an access token. */
export const clientCredentialsGrant: TokenGrant = {
  type: "client_credentials",
  issue(ctx, form) {
    const client = authenticateClient(ctx, form);
    if (!client) return invalidClient();
    ctx.attribute(client.ws);
    return ok(client.ws.credentials.issue(client.clientId, form.get("scope") || "all-apis", Date.now()));
  },
};

export function oidcArea(grants: readonly TokenGrant[]): AreaFactory {
  return () => ({
    name: "OIDC",
    routes: [
      publicRoute("GET", "/oidc/.well-known/oauth-authorization-server", (ctx) => {
        const base = ctx.baseUrl();
        return ok({
          issuer: `${base}/oidc`,
          authorization_endpoint: `${base}/oidc/v1/authorize`,
          token_endpoint: `${base}/oidc/v1/token`,
          jwks_uri: `${base}/oidc/jwks.json`,
          grant_types_supported: ["client_credentials", "authorization_code", "refresh_token"],
          token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
          scopes_supported: ["all-apis", "offline_access", "openid", "profile", "email"],
        });
      }),
      publicRoute("GET", "/.well-known/databricks-config", (ctx) =>
        ok({ oidc_endpoint: `${ctx.baseUrl()}/oidc`, workspace_id: "1234567890123456", cloud: "aws", host_type: "workspace" }),
      ),
      publicRoute("POST", "/oidc/v1/token", (ctx) => {
        const form = ctx.form();
        const grant = grants.find((g) => g.type === form.get("grant_type"));
        return grant ? grant.issue(ctx, form) : unsupportedGrant(ctx, form);
      }),
    ],
  });
}
