/** SCIM `Me`: who the caller's credential acts as (the `whoami` command; docs/genie-api.md §1 "ACLs"). */
import { ok } from "../http";
import { type AreaFactory, route } from "../router";

export const scimArea: AreaFactory = () => ({
  name: "SCIM",
  routes: [
    route("GET", "/api/2.0/preview/scim/v2/Me", ({ caller }) => {
      const identity = caller.acting.identity;
      if ("servicePrincipalName" in identity) {
        // A service principal's userName is its application id (SCIM /Me as the workspace answers it).
        const appId = identity.servicePrincipalName;
        return ok({ id: "1000000000000002", userName: appId, applicationId: appId, displayName: `Service principal ${appId}`, active: true });
      }
      return ok({ id: "1000000000000001", userName: caller.ws.settings.user, active: true });
    }),
  ],
});
