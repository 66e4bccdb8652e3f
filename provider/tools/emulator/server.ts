/**
 * The Genie emulator: a real node:http server on 127.0.0.1 that behaves like the Genie space
 * management API (docs/genie-api.md §7), with fault injection and test hooks. This file starts it
 * and builds the handle a test holds. Where the rest lives:
 *   emulator.ts   state: options, workspaces, credentials → caller, faults, rate limit, request log
 *   pipeline.ts   what every request goes through (credential, body cap, log, faults, route, answer)
 *   http.ts       body reading, request fields, writing answers; router.ts: routes and areas
 *   routes/       one file per API area (spaces, permissions, folders, SCIM, SQL, OIDC, external
 *                 identities, control)
 *   workspace.ts  one emulated workspace: space store, ACL store (acl.ts), folders, SQL, credentials
 */
import { createServer } from "node:http";
import { AddressInfo } from "node:net";
import { generatePat } from "./credentials";
import { Emulator } from "./emulator";
import { checkAbsolutePath } from "./folders";
import { resolveOptions } from "./options";
import { Pipeline } from "./pipeline";
import { Router } from "./router";
import { ROUTE_AREAS } from "./routes";
import { uiCreate } from "./routes/spaces";
import { EmulatorHandle, EmulatorOptions, WorkspaceHooks, WorkspaceView } from "./types";
import { Workspace, resolveWorkspace } from "./workspace";

/** The test hooks of one workspace. */
function hooksOf(ws: Workspace): WorkspaceHooks {
  const now = () => Date.now();
  return {
    folders: {
      add: (path) => ws.folders.mkdirs(checkAbsolutePath("path", path)),
      list: () => ws.folders.list(),
    },
    spaces: {
      list: (opts) => ws.store.all(opts?.includeTrashed ?? false),
      get: (id) => ws.store.snapshot(id),
      uiEdit: (id, changes) => ws.store.uiEdit(id, changes, now()),
      uiCreate: (space) => uiCreate(ws, space, now()),
      trash: (id) => ws.store.uiTrash(id, now()),
      restore: (id) => ws.store.restore(id),
      migrate: (id) => ws.store.migrate(id),
      setPermission: (id, principal, level) => ws.setTokenPermission(id, principal, level),
    },
    permissions: {
      get: (id) => ws.permissions.view(id),
      direct: (id) => ws.permissions.directGrants(id),
      uiGrant: (id, principal, level) => ws.permissions.uiGrant(id, principal, level),
      uiRevoke: (id, principal) => ws.permissions.uiRevoke(id, principal),
      setFolderGrant: (folder, principal, level) => ws.permissions.setFolderGrant(folder, principal, level),
      addUser: (name) => ws.permissions.addUser(name),
      addGroup: (name, members) => ws.permissions.addGroup(name, members),
      addServicePrincipal: (id) => ws.permissions.addServicePrincipal(id),
    },
    tables: {
      list: () => ws.sql.tableNames(),
      get: (identifier) => ws.sql.table(identifier),
    },
  };
}

function viewOf(emulator: Emulator, ws: Workspace): WorkspaceView {
  return {
    name: ws.name,
    get token() {
      return ws.settings.token;
    },
    get user() {
      return ws.settings.user;
    },
    reset: () => ws.reset(),
    requests: () => emulator.log.list(ws.name),
    ...hooksOf(ws),
  };
}

/** Start a Genie emulator on 127.0.0.1 (port 0 = random). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const extra = (options.workspaces ?? []).map(resolveWorkspace);
  const emulator = new Emulator(resolveOptions(options, options.token ?? generatePat()), extra);
  const router = new Router(ROUTE_AREAS.map((makeArea) => makeArea()));
  emulator.onReset(() => router.reset());
  const pipeline = new Pipeline(emulator, router);
  const server = createServer((req, res) => {
    pipeline.handle(req, res).catch(() => req.socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  emulator.url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;
  const views = new Map(emulator.workspaces.map((ws) => [ws.name, viewOf(emulator, ws)]));

  return {
    url: emulator.url,
    token: emulator.opts.token,
    close: () => {
      emulator.dropHeldRequests();
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
    reset: () => emulator.reset(),
    requests: () => emulator.log.list(),
    clearRequests: () => emulator.log.clear(),
    setFaults: (rules) => emulator.faults.set(rules),
    setOptions: (partial) => emulator.setOptions(partial),
    revokeToken: (token) => emulator.revoke(token),
    workspace: (name) => {
      const view = views.get(name);
      if (!view) throw new Error(`No workspace named '${name}'. Workspaces: ${[...views.keys()].join(", ")}`);
      return view;
    },
    workspaceNames: () => [...views.keys()],
    ...hooksOf(emulator.main),
  };
}
