/**
 * In-memory Genie space state with the backend's quirks (docs/genie-api.md §1.2–1.6, §5, §7):
 * title de-duplication, /Workspace stripping, missing-folder errors, etags that change only
 * with the normalized body, async trash, read-after-write lag, keyset page tokens.
 */
import { createHmac, randomBytes } from "node:crypto";
import { ApiError, invalidParameter, notFound } from "./api-error";
import { FolderTree, checkAbsolutePath } from "./folders";
import { reassignItemIds, withoutItemIds } from "./id-reassignment";
import { acceptSerializedSpace, reserializeForMigration } from "./serialized-space";
import { type PermissionLevel, atLeast } from "./levels";
import { SpaceEdit, StoredSpace } from "./types";

export interface StoreSettings {
  user: string;
  strict: boolean;
  optionalRules: boolean;
  titleDedup: boolean;
  defaultTitle: string;
  trashDelayMs: number;
  readLagMs: number;
  missingFolderStyle: "modern" | "legacy";
  pageSizeOver100: "reject" | "clamp";
  secondDelete: 404 | 403;
  /** Known tables/metric views; undefined = no catalog check. */
  catalog?: ReadonlySet<string>;
  /** Replace item ids in serialized_space on every write (docs/genie-api.md §2.3, low confidence). */
  reassignIds?: boolean;
  /** Create/update answers carry serialized_space + etag (default true). */
  bodyInWriteAnswers?: boolean;
  /** Spaces carry create_time/update_time (default true). */
  timestamps?: boolean;
}

/**
 * Space ids: 32 lowercase hex that looks like the real, time-based ids (`01f1…`, docs/genie-api.md
 * §1.1): "01f1" + 12 hex of the millisecond clock (strictly increasing) + 16 random hex. One
 * source is shared by every workspace of an emulator, so ids are unique across workspaces.
 */
export class SpaceIdSource {
  private lastMs = 0;

  next(now: number): string {
    const ms = Math.max(now, this.lastMs + 1);
    this.lastMs = ms;
    return `01f1${ms.toString(16).padStart(12, "0").slice(-12)}${randomBytes(8).toString("hex")}`;
  }
}

export interface CreateInput {
  title?: string;
  description?: string;
  warehouse_id: string;
  parent_path?: string;
  serialized_space: string;
}

interface VisibleFields {
  title: string;
  description: string;
  warehouseId: string;
}

interface SpaceRecord extends VisibleFields {
  seq: number;
  id: string;
  parentPath: string;
  /** Text returned by GET (normalized, or re-serialized by a simulated migration). */
  serialized: string;
  /** Normalized text; the etag changes only when this changes. */
  canonical: string;
  etag: string;
  createTime: string;
  updateTime: string;
  trashedAt?: number;
  /** Async trash: reads keep seeing the space until then (docs/genie-api.md §5.4). */
  readableUntil?: number;
  /** Read-after-write lag: reads see these older values until `until` (docs/genie-api.md §5.5). */
  lag?: VisibleFields & { until: number };
}

/** What a credential may do with a space, from the workspace's ACL store; undefined = no override. */
export type CredentialLevel = (spaceId: string, credential: string) => PermissionLevel | undefined;

export type ApiSpace = Record<string, string>;

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

const iso = (ms: number): string => new Date(ms).toISOString();
const newEtag = (): string => randomBytes(12).toString("base64url");

/** " YYYY-MM-DD HH:MM:SS" suffix the backend appends to a duplicate title (CLI ec7dce0fa7). */
const dedupSuffix = (ms: number): string => ` ${iso(ms).slice(0, 19).replace("T", " ")}`;

export class SpaceStore {
  private records = new Map<string, SpaceRecord>();
  /** All records in creation order; list pages walk this (stable order, keyset tokens). */
  private ordered: SpaceRecord[] = [];
  /** folder → title → number of live spaces, for O(1) title de-duplication. */
  private titles = new Map<string, Map<string, number>>();
  private seq = 0;
  private readonly tokenKey = randomBytes(16);

  constructor(
    private readonly settings: () => StoreSettings,
    readonly folders: () => FolderTree,
    private readonly ids: SpaceIdSource = new SpaceIdSource(),
    private readonly credentialLevel: CredentialLevel = () => undefined,
  ) {}

  reset(): void {
    this.records.clear();
    this.ordered = [];
    this.titles.clear();
  }

  // ---- ids, titles, folders ----------------------------------------------------------------

  private newSpaceId(now: number): string {
    return this.ids.next(now);
  }

  private countTitle(rec: SpaceRecord, delta: number): void {
    let byTitle = this.titles.get(rec.parentPath);
    if (!byTitle) this.titles.set(rec.parentPath, (byTitle = new Map()));
    const n = (byTitle.get(rec.title) ?? 0) + delta;
    if (n > 0) byTitle.set(rec.title, n);
    else byTitle.delete(rec.title);
  }

  private titleTaken(folder: string, title: string): boolean {
    return (this.titles.get(folder)?.get(title) ?? 0) > 0;
  }

  /** Resolve a requested parent folder: strip /Workspace, require it to exist (both error shapes). */
  private resolveFolder(requested: string): string {
    const folder = checkAbsolutePath("parent_path", requested);
    if (!this.folders().has(folder)) {
      if (this.settings().missingFolderStyle === "legacy") {
        throw invalidParameter(`Tree node with path '${folder}' does not exist`);
      }
      throw notFound(`Parent folder ${folder} does not exist. Create it first with /api/2.0/workspace/mkdirs.`);
    }
    return folder;
  }

  // ---- lookups -----------------------------------------------------------------------------

  private readable(rec: SpaceRecord, now: number): boolean {
    return rec.trashedAt === undefined || (rec.readableUntil !== undefined && now < rec.readableUntil);
  }

  /** A credential without an override has CAN_MANAGE; hooks (no caller) may do anything. */
  private levelOf(rec: SpaceRecord, caller: string | undefined): PermissionLevel {
    return (caller !== undefined && this.credentialLevel(rec.id, caller)) || "CAN_MANAGE";
  }

  /** No access is reported as does-not-exist, not 403 (docs/genie-api.md §5.8). */
  private lookup(id: string, verb: string, caller?: string): SpaceRecord {
    const rec = this.records.get(id);
    if (!rec || this.levelOf(rec, caller) === "NONE") {
      throw notFound(
        `Unable to ${verb} space [${id}]. Caused by Node with resource name Some(datarooms/${id}) does not exist.`,
      );
    }
    return rec;
  }

  private trashedError(id: string): ApiError {
    return notFound(`Space ${id} has been trashed. Remove from trash to access.`);
  }

  /** For writes: the truth (a trashed space is gone even during the async-trash delay). */
  private live(id: string, verb: string, caller?: string): SpaceRecord {
    const rec = this.lookup(id, verb, caller);
    if (rec.trashedAt !== undefined) throw this.trashedError(id);
    return rec;
  }

  private visible(rec: SpaceRecord, now: number): VisibleFields {
    return rec.lag && now < rec.lag.until ? rec.lag : rec;
  }

  // ---- API views ---------------------------------------------------------------------------

  private view(rec: SpaceRecord, fields: VisibleFields, withBody: boolean): ApiSpace {
    const out: ApiSpace = { space_id: rec.id, title: fields.title };
    // Empty description is omitted (Go tag omitempty, docs/genie-api.md §1.1).
    if (fields.description) out.description = fields.description;
    out.warehouse_id = fields.warehouseId;
    out.parent_path = rec.parentPath;
    if (withBody) {
      // etag only travels together with serialized_space (CLI, docs/genie-api.md §5.3).
      out.serialized_space = rec.serialized;
      out.etag = rec.etag;
    }
    if (this.settings().timestamps !== false) {
      out.create_time = rec.createTime;
      out.update_time = rec.updateTime;
    }
    return out;
  }

  private stored(rec: SpaceRecord): StoredSpace {
    const out: StoredSpace = {
      space_id: rec.id,
      title: rec.title,
      description: rec.description,
      warehouse_id: rec.warehouseId,
      parent_path: rec.parentPath,
      serialized_space: rec.serialized,
      etag: rec.etag,
      create_time: rec.createTime,
      update_time: rec.updateTime,
      trashed: rec.trashedAt !== undefined,
    };
    if (rec.trashedAt !== undefined) out.trash_time = iso(rec.trashedAt);
    return out;
  }

  // ---- operations --------------------------------------------------------------------------

  private accept(serialized: string): string {
    const s = this.settings();
    const text = acceptSerializedSpace(serialized, s.strict, { optionalRules: s.optionalRules });
    if (s.catalog) checkCatalog(text, s.catalog);
    return text;
  }

  /** What is stored for an accepted body: itself, or with fresh item ids in id-reassignment mode. */
  private storedBody(canonical: string): string {
    return this.settings().reassignIds ? reassignItemIds(canonical) : canonical;
  }

  /**
   * Whether a PATCH body changes the stored one. With id reassignment the server owns the ids,
   * so a body that differs only in ids (e.g. the ids it handed out earlier) is no change.
   */
  private sameBody(canonical: string, stored: string): boolean {
    if (canonical === stored) return true;
    return this.settings().reassignIds === true && withoutItemIds(canonical) === withoutItemIds(stored);
  }

  create(input: CreateInput, now: number): ApiSpace {
    const rec = this.createRecord(input, now);
    return this.view(rec, rec, this.settings().bodyInWriteAnswers !== false);
  }

  private createRecord(input: CreateInput, now: number): SpaceRecord {
    const s = this.settings();
    const folder = this.resolveFolder(input.parent_path || `/Users/${s.user}`);
    const canonical = this.storedBody(this.accept(input.serialized_space));
    let title = input.title || s.defaultTitle;
    if (s.titleDedup && this.titleTaken(folder, title)) title += dedupSuffix(now);
    const rec: SpaceRecord = {
      seq: ++this.seq,
      id: this.newSpaceId(now),
      title,
      description: input.description ?? "",
      warehouseId: input.warehouse_id,
      parentPath: folder,
      serialized: canonical,
      canonical,
      etag: newEtag(),
      createTime: iso(now),
      updateTime: iso(now),
    };
    this.records.set(rec.id, rec);
    this.ordered.push(rec);
    this.countTitle(rec, +1);
    return rec;
  }

  get(id: string, includeBody: boolean, now: number, caller?: string): ApiSpace {
    const rec = this.lookup(id, "get", caller);
    if (!this.readable(rec, now)) throw this.trashedError(id);
    // serialized_space (and etag) need CAN EDIT (docs/genie-api.md §1.1).
    const mayEdit = atLeast(this.levelOf(rec, caller), "CAN_EDIT");
    return this.view(rec, this.visible(rec, now), includeBody && mayEdit);
  }

  /**
   * PATCH semantics (docs/genie-api.md §1.5, §7): only present non-empty fields apply; a non-empty,
   * different etag → 409 ABORTED; the etag moves only when the normalized body changes.
   */
  update(
    id: string,
    patch: SpaceEdit & { etag?: string },
    now: number,
    options: { lag: boolean; caller?: string },
  ): ApiSpace {
    const rec = this.live(id, "update", options.caller);
    this.requireLevel(rec, options.caller, "CAN_EDIT");
    if (patch.etag && patch.etag !== rec.etag) {
      throw new ApiError(409, "ABORTED", `Etag mismatch: the space has been modified since etag '${patch.etag}' was read.`);
    }
    const canonical = patch.serialized_space ? this.accept(patch.serialized_space) : undefined;
    const folder = patch.parent_path ? this.resolveFolder(patch.parent_path) : undefined;

    const before = this.visible(rec, now);
    const next: VisibleFields = {
      title: patch.title || rec.title,
      description: patch.description || rec.description,
      warehouseId: patch.warehouse_id || rec.warehouseId,
    };
    const fieldsChanged =
      next.title !== rec.title || next.description !== rec.description || next.warehouseId !== rec.warehouseId;
    const moved = folder !== undefined && folder !== rec.parentPath;
    const bodyChanged = canonical !== undefined && !this.sameBody(canonical, rec.canonical);

    if (fieldsChanged || moved) {
      this.countTitle(rec, -1);
      if (fieldsChanged && options.lag && this.settings().readLagMs > 0) {
        rec.lag = { ...before, until: now + this.settings().readLagMs };
      }
      rec.title = next.title;
      rec.description = next.description;
      rec.warehouseId = next.warehouseId;
      if (folder !== undefined) rec.parentPath = folder;
      this.countTitle(rec, +1);
    }
    if (bodyChanged) {
      const stored = this.storedBody(canonical);
      rec.canonical = stored;
      rec.serialized = stored;
      rec.etag = newEtag();
    }
    if (fieldsChanged || moved || bodyChanged) rec.updateTime = iso(Math.max(now, Date.parse(rec.updateTime) + 1));
    return this.view(rec, rec, this.settings().bodyInWriteAnswers !== false);
  }

  private requireLevel(rec: SpaceRecord, caller: string | undefined, level: PermissionLevel): void {
    if (!atLeast(this.levelOf(rec, caller), level)) {
      throw new ApiError(
        403,
        "PERMISSION_DENIED",
        `User does not have ${level.replace("_", " ")} permission on space ${rec.id}.`,
      );
    }
  }

  /** Throws the API's not-found error unless a space with this id exists (trashed or not). */
  requireExisting(id: string, verb: string): void {
    this.lookup(id, verb);
  }

  trash(id: string, now: number, caller?: string): void {
    const rec = this.lookup(id, "trash", caller);
    if (rec.trashedAt !== undefined) {
      if (this.settings().secondDelete === 403) {
        throw new ApiError(403, "PERMISSION_DENIED", `Space ${id} has been trashed and cannot be trashed again.`);
      }
      throw this.trashedError(id);
    }
    this.requireLevel(rec, caller, "CAN_MANAGE");
    this.markTrashed(rec, now, this.settings().trashDelayMs);
  }

  private markTrashed(rec: SpaceRecord, now: number, delayMs: number): void {
    rec.trashedAt = now;
    rec.readableUntil = delayMs > 0 ? now + delayMs : undefined;
    this.countTitle(rec, -1);
  }

  /** Keyset pagination over creation order; the token is opaque and signed (docs/genie-api.md §7 List). */
  list(
    pageSizeParam: string | undefined,
    pageToken: string | undefined,
    now: number,
    caller?: string,
  ): Record<string, unknown> {
    const listable = (rec: SpaceRecord) => this.readable(rec, now) && this.levelOf(rec, caller) !== "NONE";
    const pageSize = this.pageSize(pageSizeParam);
    const afterSeq = pageToken ? this.decodePageToken(pageToken) : 0;
    let i = this.firstAfter(afterSeq);
    const spaces: ApiSpace[] = [];
    let lastSeq = afterSeq;
    for (; i < this.ordered.length && spaces.length < pageSize; i++) {
      const rec = this.ordered[i];
      if (!listable(rec)) continue;
      spaces.push(this.view(rec, this.visible(rec, now), false));
      lastSeq = rec.seq;
    }
    let more = false;
    for (; i < this.ordered.length; i++) {
      if (listable(this.ordered[i])) {
        more = true;
        break;
      }
    }
    const out: Record<string, unknown> = {};
    // Empty list and last page: fields omitted, as proto3 JSON does.
    if (spaces.length > 0) out.spaces = spaces;
    if (more) out.next_page_token = this.encodePageToken(lastSeq);
    return out;
  }

  private pageSize(param: string | undefined): number {
    if (param === undefined || param === "") return DEFAULT_PAGE_SIZE;
    if (!/^-?\d+$/.test(param)) throw invalidParameter(`Invalid value for page_size: '${param}' is not an integer`);
    const n = Number(param);
    if (n <= 0) return DEFAULT_PAGE_SIZE;
    if (n > MAX_PAGE_SIZE) {
      if (this.settings().pageSizeOver100 === "clamp") return MAX_PAGE_SIZE;
      throw invalidParameter(`page_size must be at most ${MAX_PAGE_SIZE}, got ${n}`);
    }
    return n;
  }

  private firstAfter(seq: number): number {
    let lo = 0;
    let hi = this.ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.ordered[mid].seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private sign(payload: string): string {
    return createHmac("sha256", this.tokenKey).update(payload).digest("base64url").slice(0, 16);
  }

  private encodePageToken(seq: number): string {
    const payload = Buffer.from(JSON.stringify({ after: seq })).toString("base64url");
    return `${payload}.${this.sign(payload)}`;
  }

  private decodePageToken(token: string): number {
    const [payload, sig] = token.split(".");
    if (payload && sig && sig === this.sign(payload)) {
      try {
        const after = (JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as { after?: unknown }).after;
        if (typeof after === "number" && Number.isInteger(after) && after >= 0) return after;
      } catch {
        // fall through to the error below
      }
    }
    throw invalidParameter(`Invalid page_token: '${token}'`);
  }

  // ---- test hooks (the "Genie UI" and backend events) --------------------------------------

  snapshot(id: string): StoredSpace | undefined {
    const rec = this.records.get(id);
    return rec && this.stored(rec);
  }

  all(includeTrashed: boolean): StoredSpace[] {
    return this.ordered.filter((r) => includeTrashed || r.trashedAt === undefined).map((r) => this.stored(r));
  }

  uiCreate(input: CreateInput, now: number): StoredSpace {
    return this.stored(this.createRecord(input, now));
  }

  uiEdit(id: string, changes: SpaceEdit, now: number): StoredSpace {
    this.update(id, changes, now, { lag: false });
    return this.stored(this.lookup(id, "update"));
  }

  /** Trashed in the UI: immediately gone for reads (no async delay). */
  uiTrash(id: string, now: number): void {
    const rec = this.live(id, "trash");
    this.markTrashed(rec, now, 0);
  }

  restore(id: string): void {
    const rec = this.lookup(id, "restore");
    if (rec.trashedAt === undefined) return;
    rec.trashedAt = undefined;
    rec.readableUntil = undefined;
    this.countTitle(rec, +1);
  }

  /** Backend schema migration: bytes re-serialized, etag bumped, meaning unchanged (docs/genie-api.md §5.2). */
  migrate(id: string): StoredSpace {
    const rec = this.live(id, "migrate");
    rec.serialized = reserializeForMigration(rec.serialized);
    rec.etag = newEtag();
    return this.stored(rec);
  }
}

/** Catalog fixture check: referenced tables must exist (else 403, docs/genie-api.md §3, §5.10). */
function checkCatalog(text: string, catalog: ReadonlySet<string>): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return;
  }
  const dataSources = (doc as { data_sources?: Record<string, unknown> } | null)?.data_sources;
  for (const key of ["tables", "metric_views"]) {
    const list = dataSources?.[key];
    if (!Array.isArray(list)) continue;
    for (const source of list as { identifier?: unknown }[]) {
      const identifier = String(source?.identifier);
      if (!catalog.has(identifier)) {
        throw new ApiError(
          403,
          "PERMISSION_DENIED",
          `Table or view '${identifier}' does not exist or the user does not have SELECT permission on it.`,
        );
      }
    }
  }
}
