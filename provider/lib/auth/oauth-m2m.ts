// oauth-m2m: a service principal's OAuth client credentials (client_credentials grant, client
// authenticated with HTTP Basic, scope all-apis) at the workspace's token endpoint.
import { howToSet } from "./attributes";
import { assertOk, field, postForm } from "./http";
import { tokenEndpointFor } from "./oidc";
import { registerClientCredentials, registerSecret } from "./redact";
import { bearerSource, type CredentialStrategy } from "./strategy";
import { expiryFromExpiresIn, identityKey, sharedTokenCache } from "./token-cache";

export const oauthM2mStrategy: CredentialStrategy = {
  name: "oauth-m2m",
  missing(cfg) {
    if (cfg.clientId === undefined && cfg.clientSecret === undefined) return `no client id and client secret: set ${howToSet("clientId")} and ${howToSet("clientSecret")}`;
    if (cfg.clientSecret === undefined) return `client id is set but no client secret: set ${howToSet("clientSecret")}`;
    if (cfg.clientId === undefined) return `client secret is set but no client id: set ${howToSet("clientId")}`;
    return undefined;
  },
  async configure(cfg, _ctx, signal) {
    const host = cfg.host;
    const clientId = cfg.clientId ?? "";
    const clientSecret = cfg.clientSecret ?? "";
    registerClientCredentials(clientId, clientSecret);
    const cache = sharedTokenCache(identityKey("oauth-m2m", [host, clientId, clientSecret]), async (s) => {
      const endpoint = await tokenEndpointFor(host);
      const what = `cannot get an OAuth token for client "${clientId}" from ${endpoint}`;
      const started = Date.now();
      const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString("base64");
      const answer = await postForm(what, endpoint, { grant_type: "client_credentials", scope: "all-apis" }, { headers: { authorization: `Basic ${basic}` }, signal: s });
      assertOk(what, answer, "check the client id and client secret of the service principal");
      const accessToken = field(what, answer, "access_token");
      registerSecret(accessToken);
      // The CLI's fake OIDC server sends expires_in as a string ("3600"); real servers send a number.
      return { accessToken, expiresAt: expiryFromExpiresIn(answer.json.expires_in, started) };
    });
    await cache.get(signal);
    return bearerSource(cache);
  },
};
