// pat: a personal access token, sent as is.
import { howToSet } from "./attributes";
import { registerSecret } from "./redact";
import type { CredentialStrategy } from "./strategy";

export const patStrategy: CredentialStrategy = {
  name: "pat",
  missing: (cfg) => (cfg.token === undefined ? `no token: set ${howToSet("token")}` : undefined),
  async configure(cfg) {
    const token = cfg.token ?? "";
    registerSecret(token);
    const header = { authorization: `Bearer ${token}` };
    return { headers: async () => header, invalidate: () => undefined };
  },
};
