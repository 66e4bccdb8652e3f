/**
 * The Genie space management API (docs/genie-api.md §1): create, list, get, update, trash.
 * The store (space-store.ts) holds the backend's rules; this file maps requests onto it.
 */
import { invalidParameter } from "../api-error";
import { ok, optionalString, requiredString } from "../http";
import { type AreaFactory, route } from "../router";
import type { CreateInput } from "../space-store";
import type { SpaceEdit, StoredSpace, UiSpaceCreate } from "../types";
import type { Workspace } from "../workspace";

const SPACES = "/api/2.0/genie/spaces";

/** A create request's fields (also what the control endpoint's "UI" create takes). */
export function createInput(body: Record<string, unknown>): CreateInput {
  return {
    warehouse_id: requiredString(body, "warehouse_id"),
    serialized_space: requiredString(body, "serialized_space"),
    title: optionalString(body, "title"),
    description: optionalString(body, "description"),
    parent_path: optionalString(body, "parent_path"),
  };
}

/** An update request's fields (also what the control endpoint's "UI" edit takes). */
export function patchInput(body: Record<string, unknown>): SpaceEdit & { etag?: string } {
  return {
    title: optionalString(body, "title"),
    description: optionalString(body, "description"),
    warehouse_id: optionalString(body, "warehouse_id"),
    parent_path: optionalString(body, "parent_path"),
    serialized_space: optionalString(body, "serialized_space"),
    etag: optionalString(body, "etag"),
  };
}

/** A space made "in the UI" by the workspace's user (the handle's `spaces.uiCreate`, `POST /__emulator/spaces`). */
export function uiCreate(ws: Workspace, space: UiSpaceCreate, now: number): StoredSpace {
  return ws.uiCreate(createInput(space as unknown as Record<string, unknown>), now);
}

export const spacesArea: AreaFactory = () => ({
  name: "Genie spaces",
  routes: [
    route("POST", SPACES, ({ caller, json, now }) => {
      const created = caller.ws.store.create(createInput(json()), now);
      caller.ws.permissions.spaceCreated(created.space_id, caller.acting.identity);
      return ok(created);
    }),
    route("GET", SPACES, ({ caller, query, now }) =>
      ok(caller.ws.store.list(query.page_size, query.page_token, now, caller.principal)),
    ),
    route("GET", `${SPACES}/{id}`, ({ caller, params, query, now }) => {
      const include = query.include_serialized_space;
      if (include !== undefined && include !== "true" && include !== "false") {
        throw invalidParameter(`Invalid value for include_serialized_space: '${include}' (expected true or false)`);
      }
      return ok(caller.ws.store.get(params.id, include === "true", now, caller.principal));
    }),
    route("PATCH", `${SPACES}/{id}`, ({ caller, params, json, now }) =>
      ok(caller.ws.store.update(params.id, patchInput(json()), now, { lag: true, caller: caller.principal })),
    ),
    route("DELETE", `${SPACES}/{id}`, ({ caller, params, now }) => {
      caller.ws.store.trash(params.id, now, caller.principal);
      return ok({});
    }),
  ],
});
