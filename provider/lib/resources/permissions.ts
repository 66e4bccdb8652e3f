import * as pulumi from "@pulumi/pulumi";
import type { GeniePermissionLevel } from "../client/permissions";
import { genieSpacePermissionsProviderShim } from "./permissions-shim";

/** A Genie space permission level as the permissions API names it, e.g. "CAN_RUN" (the UI's "Can view" is CAN_READ). */
export type GenieSpacePermissionLevel = GeniePermissionLevel;

/** One grant: exactly one of `userName`, `groupName` or `servicePrincipalName`, and its level. */
export interface GenieSpaceAccessControl {
  /** A workspace user, by email address. */
  userName?: pulumi.Input<string>;
  /** A workspace or account group, by name (e.g. "analysts"). */
  groupName?: pulumi.Input<string>;
  /** A service principal, by application id. */
  servicePrincipalName?: pulumi.Input<string>;
  permissionLevel: pulumi.Input<GenieSpacePermissionLevel>;
}

/** Principal as reported in outputs (`managedBy`). */
export interface GenieSpacePrincipal {
  userName?: string;
  groupName?: string;
  servicePrincipalName?: string;
}

export interface GenieSpacePermissionsArgs {
  /** The space: usually a GenieSpace's `spaceId` output, or the id after /genie/rooms/ in its URL. */
  spaceId: pulumi.Input<string>;
  /** The grants. In authoritative mode this is the whole list of direct grants. */
  accessControls: pulumi.Input<pulumi.Input<GenieSpaceAccessControl>[]>;
  /**
   * "authoritative" (default): any direct grant not declared here is removed, including grants
   * made in the UI. "additive": only the declared principals are managed; grants made by others
   * stay. Inherited grants (from the folder or the workspace root) are never touched in either mode.
   */
  mode?: pulumi.Input<"authoritative" | "additive">;
  /**
   * Default true: the identity Pulumi runs as always keeps a direct CAN_MANAGE on the space, so a
   * later run can still read and change its permissions (preview prints who). Set false only when
   * another declared principal manages the space and you accept that Pulumi may lock itself out.
   */
  keepManagerAccess?: pulumi.Input<boolean>;
}

/**
 * Who may use a Genie space: the space's access control list, managed through the Databricks
 * permissions API (`/api/2.0/permissions/genie/{space_id}`). Credentials come from the stack's
 * `databricks:*` config, `DATABRICKS_*` variables or `~/.databrickscfg` at run time.
 */
export class GenieSpacePermissions extends pulumi.dynamic.Resource {
  declare readonly spaceId: pulumi.Output<string>;
  /** The declared grants (after a refresh that found outside changes: the grants as they are). */
  declare readonly accessControls: pulumi.Output<{ userName?: string; groupName?: string; servicePrincipalName?: string; permissionLevel: GenieSpacePermissionLevel }[]>;
  declare readonly mode: pulumi.Output<"authoritative" | "additive">;
  declare readonly keepManagerAccess: pulumi.Output<boolean>;
  /** The direct grants this resource manages, as last applied or read (the kept manager included). */
  declare readonly managedGrants: pulumi.Output<{ userName?: string; groupName?: string; servicePrincipalName?: string; permissionLevel: GenieSpacePermissionLevel }[]>;
  /** The identity Pulumi runs as, kept at CAN_MANAGE; absent when keepManagerAccess is false. */
  declare readonly managedBy: pulumi.Output<GenieSpacePrincipal | undefined>;
  /** The permissions object, "/genie/<space id>". */
  declare readonly objectId: pulumi.Output<string>;
  /** The workspace the space lives in. */
  declare readonly host: pulumi.Output<string>;

  constructor(name: string, args: GenieSpacePermissionsArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      genieSpacePermissionsProviderShim,
      name,
      {
        spaceId: args.spaceId,
        accessControls: args.accessControls,
        mode: args.mode,
        keepManagerAccess: args.keepManagerAccess,
        managedGrants: undefined,
        managedBy: undefined,
        objectId: undefined,
        host: undefined,
      },
      opts,
      "genie",
      "GenieSpacePermissions",
    );
  }
}
