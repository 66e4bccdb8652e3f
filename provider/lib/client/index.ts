export { GenieClient } from "./genie-client";
export { normalizeFolder, withWorkspacePrefix } from "./folders";
export type { GenieSpaceRecord, CreateSpaceOptions, CreateSpaceRequest, UpdateSpaceRequest, GenieClientOptions, GenieClientStats } from "./genie-client";
export {
  GenieApiError,
  SpaceTitleTakenError,
  withFix,
  parseErrorBody,
  kindForStatus,
  isNotFound,
  isTrashed,
  isPermissionDenied,
  isConflict,
  isRateLimited,
  isInvalidParameter,
  isServerError,
  isConnectionError,
  isTimeout,
  isUnauthenticated,
  isFeatureDisabled,
} from "./errors";
export type { GenieErrorKind, GenieOperation, ParsedErrorBody } from "./errors";
export { parseRetryAfter, retryDelayMs } from "./backoff";
export { RateLimiter, rateLimiterFor } from "./rate-limiter";
export { closeConnectionPools, closeConnectionPool } from "./transport";
export {
  GENIE_PERMISSION_LEVELS,
  isGeniePermissionLevel,
  levelAbove,
  principalKey,
  parsePrincipalKey,
  describePrincipalKey,
  sortedByPrincipal,
  aclPrincipalKey,
  aclPrincipalOf,
  directGrants,
  currentPrincipalKey,
  accessControlRequests,
  permissionsPath,
} from "./permissions";
export type {
  GeniePermissionLevel,
  PrincipalKind,
  AclPrincipal,
  AccessControlRequest,
  AccessControlResponse,
  PermissionGrant,
  SpacePermissionsRecord,
  CurrentUserRecord,
} from "./permissions";
export { SqlClient, SqlStatementError } from "./sql";
export type { SqlClientOptions, StatementRequest, StatementResult, StatementState } from "./sql";
