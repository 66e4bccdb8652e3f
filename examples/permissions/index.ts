/**
 * Who may use a space, per environment: the stack config maps groups (and optionally users) to
 * permission levels, so the same program gives analysts CAN_EDIT in dev and CAN_RUN in prod.
 *
 *   pulumi up --stack dev    # analysts CAN_EDIT, data-engineers CAN_MANAGE, alice CAN_EDIT
 *   pulumi up --stack prod   # analysts CAN_RUN, data-engineers CAN_EDIT; other grants left alone
 *
 * The identity Pulumi runs as keeps CAN_MANAGE on the space (keepManagerAccess, default true);
 * `pulumi preview` prints who that is.
 */
import * as pulumi from "@pulumi/pulumi";
import { GenieSpace, GenieSpacePermissions, type GenieSpaceAccessControl, type GenieSpacePermissionLevel } from "pulumi-genie";

const config = new pulumi.Config();
const grants = config.requireObject<Record<string, GenieSpacePermissionLevel>>("grants");
const users = config.getObject<Record<string, GenieSpacePermissionLevel>>("users") ?? {};
const mode = (config.get("mode") ?? "authoritative") as "authoritative" | "additive";

const space = new GenieSpace("sales", {
  title: `Sales analytics (${pulumi.getStack()})`,
  warehouseId: config.require("warehouseId"),
  parentPath: "/Shared/genie",
  space: {
    config: { sample_questions: ["What was net revenue last month by region?"] },
    data_sources: { tables: [{ identifier: "main.sales.orders", description: "One row per order." }] },
  },
});

const accessControls: GenieSpaceAccessControl[] = [
  ...Object.entries(grants).map(([groupName, permissionLevel]) => ({ groupName, permissionLevel })),
  ...Object.entries(users).map(([userName, permissionLevel]) => ({ userName, permissionLevel })),
];

const access = new GenieSpacePermissions("sales-access", { spaceId: space.spaceId, accessControls, mode });

export const spaceUrl = space.url;
export const managedBy = access.managedBy;
