/**
 * The two Workspace API calls Genie clients make (docs/genie-api.md §3 "Create with missing parent
 * folder"): `mkdirs` to create a space's parent folder, `get-status` to check that it exists.
 */
import { notFound } from "../api-error";
import { checkAbsolutePath } from "../folders";
import { ok, requiredString } from "../http";
import { type AreaFactory, route } from "../router";

export const foldersArea: AreaFactory = () => ({
  name: "Workspace folders",
  routes: [
    route("POST", "/api/2.0/workspace/mkdirs", ({ caller, json }) => {
      caller.ws.folders.mkdirs(checkAbsolutePath("path", requiredString(json(), "path")));
      return ok({});
    }),
    route("GET", "/api/2.0/workspace/get-status", ({ caller, query }) => {
      const folder = checkAbsolutePath("path", query.path ?? "");
      if (!caller.ws.folders.has(folder)) throw notFound(`Path (${query.path}) doesn't exist.`);
      return ok({ object_type: "DIRECTORY", path: query.path });
    }),
  ],
});
