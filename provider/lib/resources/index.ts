export { GenieSpace, type GenieSpaceArgs } from "./genie-space";
export {
  GenieSpacePermissions,
  type GenieSpacePermissionsArgs,
  type GenieSpaceAccessControl,
  type GenieSpacePermissionLevel,
  type GenieSpacePrincipal,
} from "./permissions";
export { deploySpaces, type DeploySpacesOptions, type DeployedSpaces } from "./deploy";
