/**
 * pulumi-genie: Databricks Genie spaces as code with Pulumi.
 *
 * The package root exports the resources, the space language and the API client. The emulator
 * is a separate entry point, `pulumi-genie/emulator`, and the provider runtime the serialized
 * shim loads is `pulumi-genie/runtime`.
 */
export { GenieSpace, type GenieSpaceArgs, deploySpaces, type DeploySpacesOptions, type DeployedSpaces } from "./resource";
export {
  GenieSpacePermissions,
  type GenieSpacePermissionsArgs,
  type GenieSpaceAccessControl,
  type GenieSpacePermissionLevel,
  type GenieSpacePrincipal,
} from "./resource";
export * from "./space";
export {
  GenieClient,
  GenieApiError,
  type GenieClientOptions,
  type GenieSpaceRecord,
  type CreateSpaceRequest,
  type UpdateSpaceRequest,
} from "./client";
export { resolveAuthConfig, describeAuth, AuthConfigError, type AuthSettings, type ResolvedAuthConfig } from "./auth";
