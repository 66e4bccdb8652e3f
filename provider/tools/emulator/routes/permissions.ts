/**
 * The permissions API for Genie spaces, `/api/2.0/permissions/genie/{space_id}` (docs/genie-api.md
 * §1 "ACLs"): read, replace and update the direct grants. The workspace's ACL store (acl.ts)
 * validates and authorizes.
 */
import { ok } from "../http";
import { type AreaFactory, route } from "../router";

const PERMISSIONS = "/api/2.0/permissions/genie/{id}";

export const permissionsArea: AreaFactory = () => ({
  name: "Permissions",
  routes: [
    route("GET", PERMISSIONS, ({ caller, params }) => ok(caller.ws.permissions.get(params.id, caller.acting))),
    route("PUT", PERMISSIONS, ({ caller, params, json }) => ok(caller.ws.permissions.replace(params.id, json(), caller.acting))),
    route("PATCH", PERMISSIONS, ({ caller, params, json }) => ok(caller.ws.permissions.update(params.id, json(), caller.acting))),
  ],
});
