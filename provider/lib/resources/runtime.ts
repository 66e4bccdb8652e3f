/**
 * The GenieSpace provider runtime: what the serialized shim (`./shim.ts`) calls, loaded in the
 * dynamic-provider host as `require("pulumi-genie/runtime")`. Everything shared by the resources the
 * engine works on in parallel — settings, the HTTP pool, rate limiter and token cache (inside the
 * client and auth modules) — lives here at module level, once per provider process.
 */
import type * as pulumi from "@pulumi/pulumi";
// The API returns folders without the `/Workspace` prefix (docs/genie-api.md §1.1); compare them so.
import { GenieApiError, isNotFound, normalizeFolder, SpaceTitleTakenError, withFix, type GenieClient, type GenieSpaceRecord, type UpdateSpaceRequest } from "../client";
import { compareSpaces, fromSerializedSpace, isValidId, normalizeSpace, toSerializedSpace } from "../space";
import { redactSecrets } from "../auth";
import { genieSpacePermissions as permissionsRuntime } from "./permissions-runtime";
import { assertSameWorkspace as assertWorkspace, configureProvider, isUnknown, providerClient as client, UNKNOWN } from "./context";

/** Checked inputs: what `check` returns and the engine stores as the resource's inputs. */
export interface SpaceSpec {
  title: string;
  description?: string;
  warehouseId: string;
  parentPath?: string;
  serializedSpace: string;
  adoptSpaceId?: string;
}

/** Outputs: the spec as it really is in the workspace, plus computed fields. */
export interface SpaceState extends SpaceSpec {
  spaceId: string;
  url: string;
  host: string;
  parentPath: string;
  etag?: string;
  createTime?: string;
  updateTime?: string;
  /** Optional inputs the program left unset (not managed, so refresh never reports them). */
  unsetFields?: string[];
}

const OPTIONAL_FIELDS = ["description", "parentPath"] as const;

function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

// ---------------------------------------------------------------------------------------------- check

function check(olds: Record<string, unknown>, news: Record<string, unknown>): pulumi.dynamic.CheckResult {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const out: Record<string, unknown> = {};

  const title = news.title;
  if (title === UNKNOWN) out.title = title;
  else if (typeof title !== "string" || title.trim() === "") {
    failures.push({ property: "title", reason: "title must be a non-empty string (it defaults to the resource name)." });
  } else out.title = title;

  const warehouseId = news.warehouseId;
  if (warehouseId === UNKNOWN) out.warehouseId = warehouseId;
  else if (typeof warehouseId !== "string" || warehouseId.trim() === "") {
    failures.push({
      property: "warehouseId",
      reason: "warehouseId is required: the id of a Pro or Serverless SQL warehouse (SQL Warehouses → your warehouse → Overview).",
    });
  } else out.warehouseId = warehouseId.trim();

  if (news.description === UNKNOWN) out.description = UNKNOWN;
  else if (news.description !== undefined && news.description !== null) {
    if (typeof news.description !== "string") failures.push({ property: "description", reason: "description must be a string." });
    else if (news.description !== "") out.description = news.description;
  }

  if (news.parentPath === UNKNOWN) out.parentPath = UNKNOWN;
  else if (news.parentPath !== undefined && news.parentPath !== null && news.parentPath !== "") {
    if (typeof news.parentPath !== "string" || !news.parentPath.startsWith("/")) {
      failures.push({
        property: "parentPath",
        reason: `parentPath must be an absolute workspace folder such as "/Users/me@example.com/genie" or "/Workspace/Shared/genie" (got ${JSON.stringify(news.parentPath)}).`,
      });
    } else out.parentPath = normalizeFolder(news.parentPath);
  }

  if (news.adoptSpaceId !== undefined && news.adoptSpaceId !== null && news.adoptSpaceId !== "") {
    if (news.adoptSpaceId !== UNKNOWN && (typeof news.adoptSpaceId !== "string" || !isValidId(news.adoptSpaceId))) {
      failures.push({
        property: "adoptSpaceId",
        reason: `adoptSpaceId must be a space id: 32 lowercase hex characters, the part after /genie/rooms/ in the space's URL (got ${JSON.stringify(news.adoptSpaceId)}).`,
      });
    } else out.adoptSpaceId = news.adoptSpaceId;
  }

  const hasSpace = news.space !== undefined && news.space !== null;
  const hasSerialized = news.serializedSpace !== undefined && news.serializedSpace !== null;
  if (hasSpace === hasSerialized) {
    failures.push({
      property: hasSpace ? "serializedSpace" : "space",
      reason: 'give the content as exactly one of "space" (a definition) or "serializedSpace" (as exported from Databricks).',
    });
  } else {
    const property = hasSpace ? "space" : "serializedSpace";
    const content = hasSpace ? news.space : news.serializedSpace;
    if (isUnknown(content)) {
      out.serializedSpace = UNKNOWN; // validated once known, during `up`
    } else {
      const result = normalizeSpace(content);
      if (result.problems.length > 0 || !result.definition) {
        for (const p of result.problems) failures.push({ property: p.path ? `${property}.${p.path}` : property, reason: p.message });
      } else {
        out.serializedSpace = toSerializedSpace(result.definition);
      }
    }
  }
  return { inputs: out, failures };
}

// ---------------------------------------------------------------------------------------------- diff

function assertSameWorkspace(olds: Record<string, unknown>, c: GenieClient): void {
  assertWorkspace(
    olds,
    c,
    `Genie space ${String(olds.spaceId)} ("${String(olds.title)}") lives in`,
    "move it deliberately: remove it from state (pulumi state delete <urn>) and adopt or re-create it in the new workspace with adoptSpaceId. Pulumi will not re-create it in another workspace.",
  );
}

/** Field-level differences between the declared spec and the outputs in state (or read from the API). */
function specChanges(spec: SpaceSpec, state: SpaceState): string[] {
  const changed: string[] = [];
  if (spec.title !== state.title) changed.push("title");
  if (spec.warehouseId !== state.warehouseId) changed.push("warehouseId");
  if (spec.description !== undefined && spec.description !== (state.description ?? "")) changed.push("description");
  if (spec.parentPath !== undefined && spec.parentPath !== state.parentPath) changed.push("parentPath");
  if (spec.serializedSpace === UNKNOWN || compareSpaces(spec.serializedSpace, state.serializedSpace).length > 0) {
    changed.push("serializedSpace");
  }
  const unset = unsetFieldsOf(spec);
  if (JSON.stringify(unset) !== JSON.stringify(state.unsetFields ?? [])) changed.push("unsetFields");
  return changed;
}

function diff(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): pulumi.dynamic.DiffResult {
  assertSameWorkspace(olds, client());
  const spec = news as unknown as SpaceSpec;
  const state = olds as unknown as SpaceState;
  const changes = specChanges(spec, state).length > 0;
  return { changes, replaces: [], deleteBeforeReplace: false };
}

// ---------------------------------------------------------------------------------------------- outputs

function unsetFieldsOf(spec: SpaceSpec): string[] {
  return OPTIONAL_FIELDS.filter((f) => spec[f] === undefined);
}

/**
 * Outputs from an API record. The content keeps the declared canonical text whenever the server's
 * body means the same thing (docs/genie-api.md §2.6: the server re-serializes, migrates v1→v2, re-sorts),
 * so state never churns on server-side rewrites.
 */
function toState(record: GenieSpaceRecord, spec: SpaceSpec, host: string, previous?: SpaceState): SpaceState {
  // Without a body in the answer, the content is what was declared: a PATCH carrying
  // serialized_space is a full replacement, and `spec` already holds the state's content on read.
  let serializedSpace = spec.serializedSpace;
  const body = bodyOf(record);
  if (body !== undefined && compareSpaces(spec.serializedSpace, body).length > 0) {
    serializedSpace = toSerializedSpace(fromSerializedSpace(body));
  }
  const state: SpaceState = {
    spaceId: record.space_id,
    url: `${host}/genie/rooms/${record.space_id}`,
    host,
    title: record.title,
    warehouseId: record.warehouse_id ?? spec.warehouseId,
    parentPath: normalizeFolder(record.parent_path ?? spec.parentPath ?? previous?.parentPath ?? "/"),
    serializedSpace,
  };
  const description = nonEmpty(record.description);
  if (description !== undefined) state.description = description;
  const etag = record.etag ?? previous?.etag;
  if (etag !== undefined) state.etag = etag;
  const createTime = record.create_time ?? previous?.createTime;
  if (createTime !== undefined) state.createTime = createTime;
  const updateTime = record.update_time ?? previous?.updateTime;
  if (updateTime !== undefined) state.updateTime = updateTime;
  return withBookkeeping(state, spec);
}

/**
 * The content in an API answer, or undefined when there is none: GET without CAN EDIT returns
 * the field empty rather than failing (docs/genie-api.md §1.3), and list/PATCH answers may omit it.
 */
function bodyOf(record: GenieSpaceRecord): string | undefined {
  const body = record.serialized_space;
  return typeof body === "string" && body.trim() !== "" ? body : undefined;
}

/** The inputs a program declaring exactly what `state` holds would have (for refresh). */
function specOf(state: SpaceState): SpaceSpec {
  const unset = new Set(state.unsetFields ?? []);
  const spec: SpaceSpec = { title: state.title, warehouseId: state.warehouseId, serializedSpace: state.serializedSpace };
  if (!unset.has("description") && state.description !== undefined) spec.description = state.description;
  if (!unset.has("parentPath")) spec.parentPath = state.parentPath;
  if (state.adoptSpaceId !== undefined) spec.adoptSpaceId = state.adoptSpaceId;
  return spec;
}

/** The PATCH that brings `current` to `spec`: only the fields that differ; the whole body if the content does. */
function patchFor(spec: SpaceSpec, current: SpaceState): UpdateSpaceRequest {
  const patch: UpdateSpaceRequest = {};
  const changed = new Set(specChanges(spec, current));
  if (changed.has("title")) patch.title = spec.title;
  if (changed.has("description")) patch.description = spec.description;
  if (changed.has("warehouseId")) patch.warehouse_id = spec.warehouseId;
  if (changed.has("parentPath")) patch.parent_path = spec.parentPath;
  // Never the etag: a backend schema migration bumps it without any edit (docs/genie-api.md §5.2).
  if (changed.has("serializedSpace")) patch.serialized_space = spec.serializedSpace;
  return patch;
}

/** Error that makes the engine record a space that exists although a later step failed (no orphan). */
function initError(message: string, id: string, properties: SpaceState): Error {
  return Object.assign(new Error(message), { id, properties, reasons: [message] });
}

// ---------------------------------------------------------------------------------------------- CRUD

async function create(inputs: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
  const spec = inputs as unknown as SpaceSpec;
  const c = client();
  if (spec.adoptSpaceId) return adopt(spec, c);
  let record: GenieSpaceRecord;
  try {
    record = await c.createSpace(
      {
        title: spec.title,
        description: spec.description,
        warehouse_id: spec.warehouseId,
        parent_path: spec.parentPath,
        serialized_space: spec.serializedSpace,
      },
      // A space that appears after a lost answer is ours only if it is what we sent.
      { isSameSpace: (candidate) => isExactly(spec, candidate, c) },
    );
  } catch (err) {
    if (err instanceof SpaceTitleTakenError) return takeOverOrRefuse(spec, err, c);
    throw err;
  }
  const state = toState(record, spec, c.host);
  if (record.title !== spec.title) {
    console.log(`warning: Genie stored space ${record.space_id} with the title "${record.title}" instead of "${spec.title}".`);
  }
  return { id: record.space_id, outs: state };
}

/**
 * The declared title is already held in the declared folder, so the client sent no POST. When the
 * holder is exactly what this resource declares (title, folder, warehouse, description, content),
 * it is the space an earlier attempt of this create made before its answer was lost — a cancelled
 * CI job, a killed provider, a POST that outlived its deadline, all of which leave Pulumi's state
 * without it — and the create converges on it. Anything else stops here, naming the space and how
 * to adopt it (docs/reliability.md "Creates are never duplicated").
 */
function takeOverOrRefuse(spec: SpaceSpec, taken: SpaceTitleTakenError, c: GenieClient): pulumi.dynamic.CreateResult {
  const existing = taken.existing;
  const id = existing.space_id;
  const where = `"${spec.title}" in ${taken.folder}`;
  if (taken.claimedInThisProcess) {
    throw new Error(
      `cannot create Genie space ${where}: another resource of this deployment already created or adopted space ${id} with that title and folder. ` +
        `A title is unique within its folder: give one of the two resources another title or parentPath.`,
    );
  }
  const current = bodyOf(existing) === undefined ? undefined : toState(existing, spec, c.host);
  if (current && specChanges(spec, current).length === 0) {
    takenOver.add(id);
    console.log(
      `Genie space ${id} (${where}) already exists exactly as declared — created by an earlier run whose answer was lost, or by this resource under ` +
        `another name — so it is taken over instead of created again. (If you renamed the resource, declare its old name in \`aliases\` ` +
        `so that Pulumi moves it instead of creating and deleting.)`,
    );
    return { id, outs: current };
  }
  const created = existing.create_time ? ` (created ${existing.create_time})` : "";
  const outcome = taken.trashedDuplicate
    ? `the duplicate the server made anyway (space ${taken.trashedDuplicate.space_id}) was moved to the trash`
    : "nothing was created";
  const adoptStep =
    `set adoptSpaceId: "${id}" on this GenieSpace — for space files deployed by a stack, run ` +
    `pulumi config set --path 'genie:adopt.<name>' ${id} with the resource's name shown above — and run pulumi up again`;
  if (!current) {
    throw new Error(
      `cannot create Genie space ${where}: space ${id} already has that title in that folder${created}, and this identity cannot read its content ` +
        `(CAN EDIT is needed), so nothing tells whether it is this resource's space; ${outcome}. If it is (an interrupted earlier run made it), ` +
        `grant this identity CAN EDIT on space ${id}, then ${adoptStep}. Otherwise change this resource's title or parentPath.`,
    );
  }
  throw new Error(
    `cannot create Genie space ${where}: space ${id} already has that title in that folder${created}, ` +
      `and it differs from this resource (${specChanges(spec, current).join(", ")}). A title is unique within its folder, so ${outcome}. ` +
      `If it is this resource's space (an interrupted earlier run made it), adopt it: ${adoptStep}. ` +
      `Otherwise change this resource's title or parentPath, or trash space ${id}.`,
  );
}

/** Whether an API record is exactly what `spec` declares (content compared semantically). */
function isExactly(spec: SpaceSpec, record: GenieSpaceRecord, c: GenieClient): boolean {
  return bodyOf(record) !== undefined && specChanges(spec, toState(record, spec, c.host)).length === 0;
}

/**
 * Spaces a create of this provider process took over or adopted. Pulumi runs a deployment's creates
 * before the deletes of resources that left the program, in one provider process: when a resource
 * is renamed (or a space file renamed) without an alias, the new name takes the space over and the
 * old name is then deleted — which must not trash the space the new name now holds.
 */
const takenOver = new Set<string>();

async function adopt(spec: SpaceSpec, c: GenieClient): Promise<pulumi.dynamic.CreateResult> {
  const id = spec.adoptSpaceId as string;
  let record: GenieSpaceRecord;
  try {
    record = await c.getSpace(id, { includeSerializedSpace: true });
  } catch (err) {
    if (isNotFound(err)) {
      throw new Error(
        `cannot adopt Genie space ${id} into "${spec.title}": it does not exist in ${c.host}, is in the trash, or this identity cannot see it. ` +
          `Check the id (the part after /genie/rooms/ in its URL) and the workspace; remove adoptSpaceId to create a new space instead.`,
      );
    }
    throw err;
  }
  if (bodyOf(record) === undefined) {
    // Nothing has been changed yet, so nothing to record: a plain error (recording the space with
    // the declared content would make the next run believe the adoption succeeded).
    throw new Error(
      `cannot adopt Genie space ${id}: the API returned no content for it, which means this identity lacks CAN EDIT on the space. Grant CAN EDIT (or CAN MANAGE) and run again.`,
    );
  }
  const current = toState(record, spec, c.host);
  takenOver.add(id);
  const patch = patchFor(spec, current);
  if (Object.keys(patch).length === 0) return { id, outs: current };
  try {
    const updated = await c.updateSpace(id, patch, { label: spec.title });
    return { id, outs: afterPatch(toState(updated, spec, c.host, current), patch, updated) };
  } catch (err) {
    throw initError(`adopted Genie space ${id} but could not bring it to the declared state: ${errorText(err)}`, id, current);
  }
}

/** After a content PATCH whose answer has no etag, the old etag no longer describes the content. */
function afterPatch(state: SpaceState, patch: UpdateSpaceRequest, answer: GenieSpaceRecord): SpaceState {
  if (patch.serialized_space !== undefined && answer.etag === undefined) delete state.etag;
  return state;
}

async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
  const state = props as unknown as SpaceState;
  const c = client();
  assertSameWorkspace(props, c);
  let record: GenieSpaceRecord;
  try {
    record = await c.getSpace(id, { includeSerializedSpace: true });
  } catch (err) {
    // Only a definite not-found (incl. "has been trashed") means gone; 401/403/5xx fail the refresh
    // so an expired credential never drops a space from state.
    if (isNotFound(err)) return {};
    throw err;
  }
  const spec = specOf(state);
  // The etag only moves when the content changes (or the backend migrates it): skip the body
  // comparison when it did not move.
  const sameEtag = record.etag !== undefined && record.etag === state.etag;
  const fresh = toState(sameEtag ? { ...record, serialized_space: undefined } : record, spec, c.host, state);
  if (specChanges(spec, fresh).length === 0) {
    // Nothing a user edited: report exactly what state holds (a migration's new etag or
    // update_time is not drift), so `refresh --expect-no-changes` stays quiet.
    return { id, props: state as unknown as Record<string, unknown>, inputs: spec as unknown as Record<string, unknown> };
  }
  return { id, props: fresh as unknown as Record<string, unknown>, inputs: specOf(fresh) as unknown as Record<string, unknown> };
}

async function update(id: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<pulumi.dynamic.UpdateResult> {
  const spec = news as unknown as SpaceSpec;
  const state = olds as unknown as SpaceState;
  const c = client();
  assertSameWorkspace(olds, c);
  const patch = patchFor(spec, state);
  if (Object.keys(patch).length === 0) {
    // Only which fields are managed changed: no API call needed.
    return { outs: withBookkeeping(state, spec) };
  }
  const record = await c.updateSpace(id, patch, { label: spec.title });
  return { outs: afterPatch(toState(record, spec, c.host, state), patch, record) };
}

/** `state` with the spec's managed-field list and adoption id (no `undefined` values: the host rejects them). */
function withBookkeeping(state: SpaceState, spec: SpaceSpec): SpaceState {
  const next: SpaceState = { ...state };
  delete next.unsetFields;
  delete next.adoptSpaceId;
  const unset = unsetFieldsOf(spec);
  if (unset.length > 0) next.unsetFields = unset;
  if (spec.adoptSpaceId !== undefined) next.adoptSpaceId = spec.adoptSpaceId;
  return next;
}

async function remove(id: string, props: Record<string, unknown>): Promise<void> {
  const c = client();
  assertSameWorkspace(props, c);
  if (takenOver.has(id)) {
    console.log(
      `Genie space ${id} ("${String(props.title)}") is not trashed: another resource of this deployment took it over (a renamed resource or space file), ` +
        `so only this resource leaves the stack.`,
    );
    return;
  }
  const { alreadyGone } = await c.trashSpace(id, { label: String(props.title ?? id) });
  console.log(
    alreadyGone
      ? `Genie space ${id} ("${String(props.title)}") was already gone.`
      : `Genie space ${id} ("${String(props.title)}") moved to the workspace trash; its conversation history goes with it.`,
  );
}

function errorText(err: unknown): string {
  return withFix(err);
}

/**
 * The last door before the engine, which shows a provider error's message and nothing else: an API
 * error gets the same next step the CLI prints (`fix: …`), and every message (init-error reasons
 * included) is scrubbed of any live credential, whatever a server echoed into it.
 */
function withNextSteps<M extends Record<string, (...args: never[]) => Promise<unknown>>>(methods: M): M {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(methods)) {
    wrapped[name] = (...args: never[]) =>
      method(...args).catch((err: unknown) => {
        if (err instanceof GenieApiError && err.hint) throw Object.assign(new Error(redactSecrets(withFix(err))), { name: err.name });
        if (err instanceof Error) {
          err.message = redactSecrets(err.message);
          const withReasons = err as Error & { reasons?: unknown };
          if (Array.isArray(withReasons.reasons)) withReasons.reasons = withReasons.reasons.map((r) => (typeof r === "string" ? redactSecrets(r) : r));
        }
        throw err;
      });
  }
  return wrapped as M;
}

/** The methods the shim calls. */
export const genieSpace = withNextSteps({
  configure: configureProvider,
  check: (olds: Record<string, unknown>, news: Record<string, unknown>) => Promise.resolve(check(olds, news)),
  diff: (id: string, olds: Record<string, unknown>, news: Record<string, unknown>) => Promise.resolve().then(() => diff(id, olds, news)),
  create,
  read,
  update,
  delete: remove,
});

export const genieSpacePermissions = withNextSteps(permissionsRuntime);
