/**
 * What a workspace serves for identities issued elsewhere, once an identity emulator is attached to
 * it (identity/trust.ts, docs/emulator.md "Identity providers"): RFC 8693 token exchange at
 * `POST /oidc/v1/token` (workload identity federation), `GET /aad/auth` (Azure tenant discovery),
 * and Entra ID / managed-identity / Google tokens accepted as bearers.
 */
import { adoptExternalBearer, identityRoute } from "../identity/trust";
import type { Reply } from "../http";
import { type AreaFactory, type RequestContext, noRoute, publicRoute } from "../router";
import { type TokenGrant, unsupportedGrant } from "./oidc";

/** The trust hooks' answer for this request, if the attached identity has one. */
const attachedAnswer = (ctx: RequestContext): Reply | undefined =>
  identityRoute(ctx.emulator.url, ctx.req, ctx.method, ctx.path, ctx.raw, ctx.emulator.workspaces);

export const tokenExchangeGrant: TokenGrant = {
  type: "urn:ietf:params:oauth:grant-type:token-exchange",
  // Without an attached identity provider the workspace does not serve this grant.
  issue: (ctx, form) => attachedAnswer(ctx) ?? unsupportedGrant(ctx, form),
};

export const identityArea: AreaFactory = () => ({
  name: "External identities",
  routes: [
    // Public, as on a real Azure workspace: it redirects to the tenant's authorize endpoint.
    publicRoute("GET", "/aad/auth", (ctx) => {
      const answer = attachedAnswer(ctx);
      if (!answer) throw noRoute(ctx.method, ctx.path);
      return answer;
    }),
  ],
  recognizeBearer: (req, emulator) => adoptExternalBearer(emulator.url, req, emulator.workspaces),
});
