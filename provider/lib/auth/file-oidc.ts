// file-oidc: workload identity federation with an ID token in a file (databricks_id_token_filepath /
// DATABRICKS_OIDC_TOKEN_FILEPATH — e.g. a Kubernetes projected service account token), read at
// every refresh and exchanged at the workspace's /oidc/v1/token.
import * as fs from "node:fs";
import { howToSet } from "./attributes";
import { AuthTokenError } from "./http";
import { federatedSource } from "./oidc";
import { registerSecret } from "./redact";
import type { CredentialStrategy } from "./strategy";

export const fileOidcStrategy: CredentialStrategy = {
  name: "file-oidc",
  missing: (cfg) => (cfg.databricksIdTokenFilepath === undefined ? `no ID token file: set ${howToSet("databricksIdTokenFilepath")}` : undefined),
  configure(cfg, _ctx, signal) {
    const file = cfg.databricksIdTokenFilepath as string;
    return federatedSource(cfg, "file-oidc", [file], async () => {
      let text: string;
      try {
        text = fs.readFileSync(file, "utf8");
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new AuthTokenError(
          `cannot read the ID token file ${file}${cfg.sources.databricksIdTokenFilepath ? ` (from ${cfg.sources.databricksIdTokenFilepath})` : ""}: ${code === "ENOENT" ? "it does not exist" : (code ?? "unreadable")}`,
          { retryable: false },
        );
      }
      const value = text.trim();
      if (value === "") throw new AuthTokenError(`the ID token file ${file} is empty`, { retryable: false });
      registerSecret(value);
      return value;
    }, signal);
  },
};
