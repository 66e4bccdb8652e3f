// github-oidc: workload identity federation from GitHub Actions. The job's ID token (from
// ACTIONS_ID_TOKEN_REQUEST_URL with ACTIONS_ID_TOKEN_REQUEST_TOKEN, which a job with
// `permissions: id-token: write` has) is exchanged at the workspace's /oidc/v1/token for a token of
// the service principal named by client_id — no stored secret.
import { assertOk, field, httpExchange } from "./http";
import { federatedSource } from "./oidc";
import { registerSecret } from "./redact";
import type { CredentialStrategy } from "./strategy";

export const githubOidcStrategy: CredentialStrategy = {
  name: "github-oidc",
  missing(cfg) {
    if (cfg.actionsIdTokenRequestUrl === undefined || cfg.actionsIdTokenRequestToken === undefined) {
      return "not in a GitHub Actions job with an ID token: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are set by GitHub when the job has `permissions: id-token: write`";
    }
    return undefined;
  },
  configure(cfg, _ctx, signal) {
    const requestUrl = cfg.actionsIdTokenRequestUrl as string;
    const requestToken = cfg.actionsIdTokenRequestToken as string;
    registerSecret(requestToken);
    return federatedSource(cfg, "github-oidc", [requestUrl, requestToken], async (audience, s) => {
      const url = new URL(requestUrl);
      url.searchParams.set("audience", audience);
      const what = `cannot get a GitHub Actions ID token from ${url.origin}${url.pathname}`;
      const answer = await httpExchange(what, url.toString(), { headers: { authorization: `Bearer ${requestToken}` }, signal: s });
      assertOk(what, answer, "the job needs `permissions: id-token: write`");
      const value = field(what, answer, "value");
      registerSecret(value);
      return value;
    }, signal);
  },
};
