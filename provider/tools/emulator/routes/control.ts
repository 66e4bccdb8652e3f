/**
 * `/__emulator/*`: the handle's test hooks over HTTP, for an emulator in another process (the
 * `pulumi-genie emulator` command, CI scripts). They need a live bearer token of any workspace
 * (revoked, expired or unknown → 401) and are not recorded in the request log, faulted, delayed
 * or rate limited.
 *
 * `?workspace=NAME` picks the workspace a hook acts on; without it, the default workspace (like the
 * handle's top-level hooks), except that reset and the request log then cover every workspace.
 */
import { ApiError, invalidParameter, notFound } from "../api-error";
import type { Emulator } from "../emulator";
import { faultToJson, faultsFromJson } from "../faults";
import { checkAbsolutePath } from "../folders";
import { type Reply, isRecord, ok, parseJsonValue, requiredString } from "../http";
import { PERMISSION_LEVELS, type AclLevel, isPermissionLevel } from "../levels";
import { optionsFromJson } from "../options";
import { type AreaFactory, type CallerContext, type Route, route } from "../router";
import type { PrincipalRef, PrincipalRegistryOptions, UiSpaceCreate } from "../types";
import type { Workspace } from "../workspace";
import { patchInput, uiCreate } from "./spaces";

export const CONTROL_PREFIX = "/__emulator";

/** The workspace a hook acts on, and whether one was named. */
interface Scope {
  ws: Workspace;
  named: boolean;
}

function scopeOf(ctx: CallerContext): Scope {
  const name = ctx.query.workspace;
  if (name === undefined) return { ws: ctx.emulator.main, named: false };
  const ws = ctx.emulator.workspaceNamed(name);
  if (!ws) throw notFound(`No workspace named '${name}'. Workspaces: ${ctx.emulator.workspaces.map((w) => w.name).join(", ")}`);
  return { ws, named: true };
}

/** A control route: `path` is below /__emulator; the handler gets the hook's workspace. */
function hook(method: string, path: string, handle: (ctx: CallerContext, scope: Scope) => Reply): Route {
  return route(method, `${CONTROL_PREFIX}${path}`, (ctx) => handle(ctx, scopeOf(ctx)));
}

const done = (): Reply => ok({});

/** `{ "principal": { "userName" | "groupName" | "servicePrincipalName": … } }` of an ACL hook body. */
function principalOf(body: Record<string, unknown>): PrincipalRef {
  if (!isRecord(body.principal)) throw invalidParameter('principal must be { "userName" | "groupName" | "servicePrincipalName": "..." }');
  return body.principal as unknown as PrincipalRef;
}

/** The ACL store rejects a malformed principal with a TypeError: a 400 here. */
function asBadRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TypeError) throw invalidParameter(e.message);
    throw e;
  }
}

/** Option changes over HTTP; a bad value is a 400. */
function configure(emulator: Emulator, { ws }: Scope, body: Record<string, unknown>): void {
  const options = optionsFromJson(body);
  try {
    if (ws === emulator.main) emulator.setOptions(options);
    else emulator.configureWorkspace(ws, options);
  } catch (e) {
    if (e instanceof ApiError) throw e;
    throw invalidParameter((e as Error).message);
  }
}

export const controlArea: AreaFactory = () => ({
  name: "Control",
  control: { prefix: CONTROL_PREFIX },
  routes: [
    hook("GET", "/workspaces", ({ emulator }) => ok({ workspaces: emulator.workspaces.map((w) => ({ name: w.name, user: w.settings.user })) })),
    hook("POST", "/reset", ({ emulator }, { ws, named }) => {
      if (named) ws.reset();
      else emulator.reset();
      return done();
    }),
    hook("GET", "/requests", ({ emulator }, { ws, named }) => ok({ requests: emulator.log.list(named ? ws.name : undefined) })),
    hook("DELETE", "/requests", ({ emulator }, { ws, named }) => {
      emulator.log.clear(named ? ws.name : undefined);
      return done();
    }),
    hook("GET", "/faults", ({ emulator }) => ok({ faults: emulator.faults.list().map(faultToJson) })),
    hook("PUT", "/faults", ({ emulator, raw }) => {
      const rules = faultsFromJson(parseJsonValue(raw));
      try {
        emulator.faults.set(rules);
      } catch (e) {
        throw invalidParameter((e as Error).message);
      }
      return done();
    }),
    hook("PATCH", "/options", ({ emulator, json }, scope) => {
      configure(emulator, scope, json());
      return done();
    }),
    hook("POST", "/revoke", ({ emulator, json }) => {
      emulator.revoke(requiredString(json(), "token"));
      return done();
    }),
    hook("GET", "/folders", (_, { ws }) => ok({ folders: ws.folders.list() })),
    hook("POST", "/folders", ({ json }, { ws }) => {
      ws.folders.mkdirs(checkAbsolutePath("path", requiredString(json(), "path")));
      return done();
    }),
    hook("GET", "/spaces", ({ query }, { ws }) => ok({ spaces: ws.store.all(query.include_trashed === "true") })),
    hook("POST", "/spaces", ({ json, now }, { ws }) => ok(uiCreate(ws, json() as unknown as UiSpaceCreate, now))),
    hook("GET", "/spaces/{id}", ({ params }, { ws }) => {
      const space = ws.store.snapshot(params.id);
      if (!space) throw notFound(`No space ${params.id}`);
      return ok(space);
    }),
    hook("POST", "/spaces/{id}/ui-edit", ({ params, json, now }, { ws }) => ok(ws.store.uiEdit(params.id, patchInput(json()), now))),
    hook("POST", "/spaces/{id}/trash", ({ params, now }, { ws }) => {
      ws.store.uiTrash(params.id, now);
      return done();
    }),
    hook("POST", "/spaces/{id}/restore", ({ params }, { ws }) => {
      ws.store.restore(params.id);
      return done();
    }),
    hook("POST", "/spaces/{id}/migrate", ({ params }, { ws }) => ok(ws.store.migrate(params.id))),
    hook("POST", "/spaces/{id}/permissions", ({ params, json }, { ws }) => {
      const body = json();
      const level = requiredString(body, "level");
      if (!isPermissionLevel(level)) {
        throw invalidParameter(`Invalid permission level '${level}'. Levels: ${PERMISSION_LEVELS.join(", ")}`);
      }
      ws.setTokenPermission(params.id, requiredString(body, "principal"), level);
      return done();
    }),
    // The ACL store's hooks: GET /acl/{id}, POST /acl/{id}/ui-grant|ui-revoke {principal, level},
    // POST /folder-grants {folder, principal, level|null}, POST /principals {users, groups, servicePrincipals}.
    hook("GET", "/acl/{id}", ({ params }, { ws }) => ok(ws.permissions.view(params.id))),
    hook("POST", "/acl/{id}/ui-grant", ({ params, json }, { ws }) => {
      const body = json();
      asBadRequest(() => ws.permissions.uiGrant(params.id, principalOf(body), requiredString(body, "level") as AclLevel));
      return ok(ws.permissions.view(params.id));
    }),
    hook("POST", "/acl/{id}/ui-revoke", ({ params, json }, { ws }) => {
      const body = json();
      asBadRequest(() => ws.permissions.uiRevoke(params.id, principalOf(body)));
      return ok(ws.permissions.view(params.id));
    }),
    hook("POST", "/folder-grants", ({ json }, { ws }) => {
      const body = json();
      const level = body.level === null ? null : (requiredString(body, "level") as AclLevel);
      asBadRequest(() => ws.permissions.setFolderGrant(requiredString(body, "folder"), principalOf(body), level));
      return done();
    }),
    hook("POST", "/principals", ({ json }, { ws }) => {
      const body = json() as PrincipalRegistryOptions;
      for (const u of body.users ?? []) ws.permissions.addUser(u);
      for (const sp of body.servicePrincipals ?? []) ws.permissions.addServicePrincipal(sp);
      for (const [g, members] of Object.entries(body.groups ?? {})) ws.permissions.addGroup(g, members);
      return done();
    }),
  ],
});
