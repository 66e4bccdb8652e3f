/**
 * pulumi-genie: Databricks Genie spaces as code with Pulumi.
 *
 * The package root is the public API, kept small on purpose (docs/architecture.md "Public API"):
 * the two resources and the stack program, the parts of the space language a program or script
 * needs, and the REST client with the credentials it takes. Everything else is internal. Other
 * entry points: `pulumi-genie/runtime` (what the serialized shim in every resource's state
 * loads — frozen), `pulumi-genie/emulator` and `pulumi-genie/harness` (testing tools).
 */

// The resources and the whole-stack program.
export {
  GenieSpace,
  type GenieSpaceArgs,
  GenieSpacePermissions,
  type GenieSpacePermissionsArgs,
  type GenieSpaceAccessControl,
  type GenieSpacePermissionLevel,
  type GenieSpacePrincipal,
  deploySpaces,
  type DeploySpacesOptions,
  type DeployedSpaces,
} from "./lib/resources";

// The space language: typed content, space files, the canonical form and semantic comparison.
export {
  type SpaceDefinition,
  type SpaceInput,
  loadSpaceFiles,
  type LoadOptions,
  type LoadedSpace,
  type LoadedSpaces,
  SpaceFileError,
  type SpaceFileProblem,
  type SpaceFileWarning,
  toSerializedSpace,
  fromSerializedSpace,
  compareSpaces,
  type SpaceDifference,
  toSpaceYaml,
} from "./lib/space";

// The Genie REST client and Databricks unified auth, for scripts beside a stack.
export {
  GenieClient,
  type GenieClientOptions,
  type GenieSpaceRecord,
  type CreateSpaceRequest,
  type CreateSpaceOptions,
  type UpdateSpaceRequest,
  GenieApiError,
  SpaceTitleTakenError,
} from "./lib/client";
export { resolveAuthConfig, credentialsFor, describeAuth, AuthConfigError, type AuthSettings, type ResolvedAuthConfig, type Credentials } from "./lib/auth";
