/**
 * The GenieSpacePermissions provider runtime: what `./permissions-shim.ts` calls in the
 * dynamic-provider host, as `require("pulumi-genie/runtime").genieSpacePermissions`.
 *
 * A thin adapter. Each operation reads what its plan needs (the space's ACL, who Pulumi runs as),
 * asks `./permissions-plan.ts` what to do, sends that and records what the API answered; inputs
 * are checked in `./permissions-check.ts`. What is left here is where the API or the engine
 * departs from the obvious:
 * - Who Pulumi runs as comes from SCIM /Me, asked once per client: every resource on a host
 *   shares the answer. The preview's line about it waits at most a few seconds and never fails
 *   the check (an offline preview still works).
 * - That identity is looked up before the ACL call and outside its error wording: a failing /Me
 *   says nothing about the space.
 * - A refresh drops the grants from state only on a definite not-found (the space is gone or in
 *   the trash); 401, 403 and 5xx fail it, so nothing leaves state by mistake
 *   (docs/dynamic-providers.md §2).
 * - Deleting the grants of a space already gone is success: they went with it (a trashed
 *   space's permissions object answers 404 too, docs/genie-api.md §1.6).
 * - The two errors a user can fix themselves (a wrong space id, Pulumi's own CAN_MANAGE removed)
 *   are reworded to say so.
 */
import type * as pulumi from "@pulumi/pulumi";
import { currentPrincipalKey, isNotFound, isPermissionDenied, type GenieClient, type SpacePermissionsRecord } from "../client";
import { assertSameWorkspace as assertWorkspace, configureProvider, isUnknown, providerClient as client } from "./context";
import { checkPermissionsInputs } from "./permissions-check";
import {
  inputsOf,
  needsForApply,
  needsForPreview,
  needsForRemoval,
  planApply,
  planDiff,
  planRefresh,
  planRemoval,
  previewNotice,
  recordedState,
  type AclWrite,
  type Notice,
  type PermissionsSpec,
  type PermissionsState,
  type PlanNeeds,
} from "./permissions-plan";

// ---------------------------------------------------------------------------------------------- reading & sending

const callers = new WeakMap<GenieClient, Promise<string>>();
/** How long the preview's "who keeps CAN_MANAGE" line may wait for SCIM /Me. */
const ANNOUNCE_TIMEOUT_MS = 5_000;

/** Who Pulumi runs as (principal key), from SCIM /Me; asked once per client, asked again after a failure. */
function callerKey(c: GenieClient, timeoutMs?: number): Promise<string> {
  let p = callers.get(c);
  if (!p) {
    p = c.currentUser({ timeoutMs }).then((me) => {
      const key = currentPrincipalKey(me);
      if (!key) throw new Error(`cannot tell which identity ${c.host} knows these credentials as: GET /api/2.0/preview/scim/v2/Me returned no userName.`);
      return key;
    });
    p.catch(() => callers.delete(c));
    callers.set(c, p);
  }
  return p;
}

/** The ACL a plan asked for (its caller is looked up beforehand, see the header). */
function readAcl(c: GenieClient, spaceId: string, needs: PlanNeeds): Promise<SpacePermissionsRecord | undefined> {
  return needs.acl ? c.getPermissions(spaceId) : Promise.resolve(undefined);
}

function send(c: GenieClient, spaceId: string, write: AclWrite): Promise<SpacePermissionsRecord> {
  return write.method === "PUT" ? c.setPermissions(spaceId, write.acl) : c.updatePermissions(spaceId, write.acl);
}

/** One line of provider output; "warning:" marks what the user may not want. */
function say(notice: Notice): void {
  console.log(notice.severity === "warning" ? `warning: ${notice.text}` : notice.text);
}

function assertSameWorkspace(olds: Record<string, unknown>, c: GenieClient): void {
  assertWorkspace(
    olds,
    c,
    `the permissions of Genie space ${String(olds.spaceId)} were set in`,
    "remove the resource from state (pulumi state delete <urn>) before managing another workspace.",
  );
}

function withHint(err: unknown, spaceId: string): unknown {
  if (isNotFound(err)) {
    return new Error(
      `cannot manage the permissions of Genie space ${spaceId}: it does not exist, is in the trash, or this identity cannot see it. ` +
        `Check spaceId (and that the GenieSpace it comes from is deployed). [${(err as Error).message}]`,
    );
  }
  if (isPermissionDenied(err)) {
    return new Error(
      `the identity Pulumi runs as lacks CAN_MANAGE on Genie space ${spaceId}, which managing its permissions needs ` +
        `(it was removed, e.g. in the UI or with keepManagerAccess: false). Ask a workspace admin or a manager of the space to grant it back. [${(err as Error).message}]`,
    );
  }
  return err;
}

// ---------------------------------------------------------------------------------------------- operations

async function check(olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.CheckResult> {
  const result = checkPermissionsInputs(olds, news);
  if (result.failures.length > 0) return result;
  const spec = result.inputs as unknown as PermissionsSpec;
  let caller: string | undefined;
  if (needsForPreview(spec, isUnknown).caller) {
    try {
      caller = await callerKey(client(), ANNOUNCE_TIMEOUT_MS);
    } catch {
      // credentials or network not usable yet: the operations themselves will say so
    }
  }
  const notice = previewNotice(spec, caller, isUnknown);
  if (notice) say(notice);
  return result;
}

function diff(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): pulumi.dynamic.DiffResult {
  assertSameWorkspace(olds, client());
  const change = planDiff(olds as unknown as PermissionsState, news as unknown as PermissionsSpec, isUnknown);
  return { changes: change !== "none", replaces: change === "replace" ? ["spaceId"] : [], deleteBeforeReplace: false };
}

/** create and update: read → plan → send → record. `previous` is the state an update starts from. */
async function apply(c: GenieClient, spec: PermissionsSpec, previous?: PermissionsState): Promise<PermissionsState> {
  const needs = needsForApply(spec);
  const caller = needs.caller ? await callerKey(c) : undefined;
  try {
    const acl = await readAcl(c, spec.spaceId, needs);
    const plan = planApply(spec, previous, { caller, acl });
    plan.notices.forEach(say);
    const after = plan.write ? await send(c, spec.spaceId, plan.write) : plan.unchanged;
    return recordedState(spec, caller, after, c.host);
  } catch (err) {
    throw withHint(err, spec.spaceId);
  }
}

async function create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const spec = inputs as unknown as PermissionsSpec;
  const outs = await apply(client(), spec);
  return { id: spec.spaceId, outs };
}

async function update(_id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const c = client();
  assertSameWorkspace(olds, c);
  return { outs: await apply(c, news as unknown as PermissionsSpec, olds as unknown as PermissionsState) };
}

async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const recorded = props as unknown as PermissionsState;
  const c = client();
  assertSameWorkspace(props, c);
  let acl: SpacePermissionsRecord;
  try {
    acl = await c.getPermissions(recorded.spaceId);
  } catch (err) {
    if (isNotFound(err)) return {}; // gone: see the header
    throw withHint(err, recorded.spaceId);
  }
  // `inputs` too, so the next diff compares the program with what is really there (docs/dynamic-providers.md §2).
  const { state } = planRefresh(recorded, acl);
  return { id, props: state as unknown as Record<string, unknown>, inputs: inputsOf(state) as unknown as Record<string, unknown> };
}

async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
  const state = props as unknown as PermissionsState;
  const c = client();
  assertSameWorkspace(props, c);
  const needs = needsForRemoval(state);
  const caller = needs.caller ? await callerKey(c) : undefined;
  try {
    const plan = planRemoval(state, { caller, acl: await readAcl(c, state.spaceId, needs) });
    if (plan.write) await send(c, state.spaceId, plan.write);
    plan.notices.forEach(say);
  } catch (err) {
    if (!isNotFound(err)) throw withHint(err, state.spaceId);
    console.log(`Genie space ${state.spaceId} is gone; its permissions went with it.`);
  }
}

/** The methods the shim calls. */
export const genieSpacePermissions = {
  configure: configureProvider,
  check,
  diff: (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => Promise.resolve().then(() => diff(id, olds, news)),
  create,
  read,
  update,
  delete: remove,
};
