export { resolveAuthConfig, AuthConfigError, STACK_CONFIG_KEYS, SECRET_SETTINGS } from "./config";
export type { AuthSettings, ResolvedAuthConfig, AuthType } from "./config";
export { credentialsFor, clearTokenCache, AuthTokenError, refreshMarginMs } from "./credentials";
export type { Credentials } from "./credentials";
export { describeAuth } from "./describe";
export { normalizeHost } from "./host";
export { redactSecrets } from "./redact";
