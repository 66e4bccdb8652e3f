/**
 * pulumi-genie: Databricks Genie spaces as code with Pulumi.
 *
 * The package root exports the resources, the space language and the API client. The emulator
 * is a separate entry point, `pulumi-genie/emulator`, and the provider runtime the serialized
 * shim loads is `pulumi-genie/runtime`.
 */
export { GenieSpace, type GenieSpaceArgs, deploySpaces, type DeploySpacesOptions, type DeployedSpaces } from "./lib/resources";
export {
  GenieSpacePermissions,
  type GenieSpacePermissionsArgs,
  type GenieSpaceAccessControl,
  type GenieSpacePermissionLevel,
  type GenieSpacePrincipal,
} from "./lib/resources";
export * from "./lib/space";
export {
  GenieClient,
  GenieApiError,
  type GenieClientOptions,
  type GenieSpaceRecord,
  type CreateSpaceRequest,
  type UpdateSpaceRequest,
} from "./lib/client";
export { resolveAuthConfig, describeAuth, AuthConfigError, type AuthSettings, type ResolvedAuthConfig } from "./lib/auth";
