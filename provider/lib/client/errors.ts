// One error type for everything the Genie API (or the network) can do to a call, keyed by HTTP
// status and `error_code` (docs/genie-api.md §3; Go SDK `apierr`).
import * as http from "node:http";
import { redactSecrets } from "../auth";
import type { GenieSpaceRecord } from "./genie-client";

export type GenieErrorKind =
  | "not-found"
  | "trashed"
  | "feature-disabled"
  | "permission-denied"
  | "unauthenticated"
  | "conflict"
  | "rate-limited"
  | "invalid-parameter"
  | "server"
  | "connection"
  | "timeout"
  | "other";

/** create / read / list / update / trash (Genie spaces) and mkdirs (workspace folders). */
export type GenieOperation = "create" | "read" | "list" | "update" | "trash" | "mkdirs";

export interface GenieApiErrorInit {
  kind: GenieErrorKind;
  apiMessage: string;
  method: string;
  path: string;
  operation: GenieOperation;
  label?: string;
  status?: number;
  errorCode?: string;
  requestId?: string;
  retryable?: boolean;
  /** Sanitised cause: only name/code/message of a transport error, never the original object. */
  cause?: { name: string; code?: string; message: string };
  /** Retry-After hint from the response (ms), if any. */
  retryAfterMs?: number;
}

export class GenieApiError extends Error {
  readonly kind: GenieErrorKind;
  readonly status?: number;
  readonly errorCode?: string;
  readonly apiMessage: string;
  readonly requestId?: string;
  readonly method: string;
  readonly path: string;
  readonly operation: GenieOperation;
  readonly label?: string;
  /** Whether the client would (or did) consider this failure transient for this call. */
  retryable: boolean;
  /** Number of HTTP attempts made before giving up (set by the client). */
  attempts?: number;
  retryAfterMs?: number;
  /** A next step for the user (kept out of `message`, whose shape is fixed). */
  readonly hint?: string;
  override readonly cause?: { name: string; code?: string; message: string };

  constructor(init: GenieApiErrorInit) {
    // Everything the server sent (message, error code, request id) may echo a credential back.
    const apiMessage = redactSecrets(init.apiMessage);
    const errorCode = init.errorCode === undefined ? undefined : redactSecrets(init.errorCode);
    const requestId = init.requestId === undefined ? undefined : redactSecrets(init.requestId);
    super(redactSecrets(formatMessage({ ...init, apiMessage, errorCode, requestId })));
    this.name = "GenieApiError";
    this.kind = init.kind;
    if (init.status !== undefined) this.status = init.status;
    if (errorCode !== undefined) this.errorCode = errorCode;
    this.apiMessage = apiMessage;
    if (requestId !== undefined) this.requestId = requestId;
    this.method = init.method;
    this.path = init.path;
    this.operation = init.operation;
    if (init.label !== undefined) this.label = init.label;
    this.retryable = init.retryable ?? false;
    if (init.retryAfterMs !== undefined) this.retryAfterMs = init.retryAfterMs;
    const hint = hintFor(init.kind, init.operation);
    if (hint !== undefined) this.hint = hint;
    if (init.cause !== undefined) {
      this.cause = { ...init.cause, message: redactSecrets(init.cause.message) };
    }
  }
}

const HINTS: Partial<Record<GenieErrorKind, string>> = {
  unauthenticated: "check the Databricks credentials (token, or OAuth client id/secret) and where they come from (`pulumi-genie whoami`)",
  "not-found": "the space does not exist or the caller cannot see it (Genie reports missing access as not found)",
  trashed: "the space is in the workspace trash; restore it there, or let Pulumi create a new one",
  "feature-disabled": "Genie is not enabled on this workspace",
  conflict: "the space changed since it was read (etag mismatch); refresh and try again",
  "rate-limited": "the workspace is throttling API calls; lower requestsPerSecond or run with less parallelism",
  timeout: "the workspace did not answer in time; check network access to the host, or raise the timeouts",
  connection: "check network access to the workspace host",
};

/**
 * What a 403 means depends on what was asked: creating a space needs no grant on a space, but
 * SELECT on every table it names and CAN USE on the warehouse (docs/genie-api.md §3, §5.10); an
 * update needs CAN EDIT on the space, a trash CAN MANAGE.
 */
const PERMISSION_HINTS: Partial<Record<GenieOperation, string>> = {
  create:
    "the caller needs SELECT (and USE CATALOG / USE SCHEMA) on every table and metric view the space names — the message says which — and CAN USE on the warehouse; grant them, or remove the table from data_sources",
  update: "the caller needs CAN EDIT on the space, and SELECT on its tables and CAN USE on the warehouse",
  trash: "the caller needs CAN MANAGE on the space to move it to the trash",
  read: "the caller needs at least CAN VIEW on the space (CAN EDIT to read its content)",
  mkdirs: "the caller needs CAN MANAGE (or CAN EDIT) on the parent workspace folder to create a folder in it",
};

function hintFor(kind: GenieErrorKind, operation: GenieOperation): string | undefined {
  if (kind === "permission-denied") return PERMISSION_HINTS[operation] ?? "the caller lacks a permission the operation needs (see the message)";
  return HINTS[kind];
}

/** The error as a user should read it: its message and, on a line of its own, the next step. */
export function withFix(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const hint = err instanceof GenieApiError ? err.hint : undefined;
  return hint && !message.includes(hint) ? `${message}\n  fix: ${hint}` : message;
}

function subject(operation: GenieOperation, label: string | undefined): string {
  if (operation === "list") return "cannot list Genie spaces";
  if (operation === "mkdirs") return `cannot create workspace folder${label ? ` "${label}"` : ""}`;
  return `cannot ${operation} Genie space${label ? ` "${label}"` : ""}`;
}

function formatMessage(init: GenieApiErrorInit): string {
  const what = init.errorCode ? `${init.errorCode}: ${init.apiMessage}` : init.apiMessage;
  const where = [
    `${init.status !== undefined ? `HTTP ${init.status} ` : ""}${init.method} ${init.path}`,
    ...(init.requestId ? [`request-id ${init.requestId}`] : []),
  ].join(", ");
  return `${subject(init.operation, init.label)}: ${what} [${where}]`;
}

/** Maps an HTTP status + `error_code` (+ message) to a kind (docs/genie-api.md §3 table). */
export function kindForStatus(status: number, errorCode: string | undefined, message: string): GenieErrorKind {
  if (status === 401) return "unauthenticated";
  if (status === 403) return "permission-denied";
  if (status === 404) {
    if (errorCode === "FEATURE_DISABLED") return "feature-disabled";
    // An unknown route is a client/deployment problem, not a missing space.
    if (errorCode === "ENDPOINT_NOT_FOUND") return "other";
    if (/has been trashed/i.test(message)) return "trashed";
    // Only the API's own answer is a definite not-found. A 404 without it (a proxy's HTML page,
    // a legacy body) says nothing about the space: refresh must fail, not drop it from state.
    if (errorCode === "RESOURCE_DOES_NOT_EXIST" || errorCode === "NOT_FOUND") return "not-found";
    return "other";
  }
  if (status === 409) return "conflict";
  if (status === 429) return "rate-limited";
  if (status === 400) {
    if (errorCode === "RESOURCE_ALREADY_EXISTS") return "conflict";
    return "invalid-parameter";
  }
  if (status >= 500) return "server";
  return "other";
}

export interface ParsedErrorBody {
  errorCode?: string;
  message: string;
  requestId?: string;
  retryAfterMs?: number;
}

/**
 * Reads an error body in any of the shapes seen in the wild: `{"error_code","message","details"}`,
 * numeric error codes, legacy `{"error": "…"}`, OAuth `{"error","error_description"}`, HTML pages
 * from proxies, or nothing at all (Go SDK `standardErrorParser`).
 */
export function parseErrorBody(status: number, contentType: string | undefined, text: string, knownSecrets: ReadonlyArray<string | undefined> = []): ParsedErrorBody {
  let json: unknown;
  try {
    json = text.trim() === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (json && typeof json === "object" && !Array.isArray(json)) {
    const b = json as Record<string, unknown>;
    const code =
      typeof b.error_code === "string" || typeof b.error_code === "number" ? String(b.error_code) : undefined;
    let message: string | undefined = typeof b.message === "string" ? b.message : undefined;
    let errorCode = code;
    if (typeof b.error === "string") {
      if (typeof b.error_description === "string") {
        errorCode ??= b.error;
        message ??= b.error_description;
      } else {
        message ??= b.error;
      }
    }
    const out: ParsedErrorBody = { message: message ?? statusLine(status) };
    if (errorCode !== undefined) out.errorCode = errorCode;
    for (const d of Array.isArray(b.details) ? b.details : []) {
      if (!d || typeof d !== "object") continue;
      const detail = d as Record<string, unknown>;
      if (typeof detail.request_id === "string") out.requestId ??= detail.request_id;
      // google.rpc.RetryInfo: retry_delay like "3.5s"
      if (typeof detail.retry_delay === "string") {
        const m = /^(\d+(?:\.\d+)?)s$/.exec(detail.retry_delay);
        if (m) out.retryAfterMs = Number(m[1]) * 1000;
      }
    }
    if (message === undefined && errorCode === undefined) out.message = `${statusLine(status)}: ${excerpt(text, undefined, knownSecrets)}`;
    return out;
  }
  if (text.trim() === "") return { message: statusLine(status) };
  const kind = contentType ? contentType.split(";")[0].trim() : "unknown content type";
  return { message: `${statusLine(status)} (non-JSON ${kind} response): ${excerpt(text, undefined, knownSecrets)}` };
}

function statusLine(status: number): string {
  return `${status} ${http.STATUS_CODES[status] ?? "Unknown Status"}`;
}

/**
 * A short, single-line excerpt of a body (HTML tags stripped). Credentials are scrubbed before the
 * cut: a credential cut in two would no longer be recognized.
 */
export function excerpt(text: string, max = 200, knownSecrets: ReadonlyArray<string | undefined> = []): string {
  const flat = redactSecrets(text, knownSecrets)
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<[^>]*>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

const asError = (e: unknown): GenieApiError | undefined => (e instanceof GenieApiError ? e : undefined);

/** Unknown id, no access (Genie reports both as 404) or trashed. */
export function isNotFound(e: unknown): boolean {
  const k = asError(e)?.kind;
  return k === "not-found" || k === "trashed";
}
export function isTrashed(e: unknown): boolean {
  return asError(e)?.kind === "trashed";
}
export function isPermissionDenied(e: unknown): boolean {
  return asError(e)?.kind === "permission-denied";
}
export function isConflict(e: unknown): boolean {
  return asError(e)?.kind === "conflict";
}
export function isRateLimited(e: unknown): boolean {
  return asError(e)?.kind === "rate-limited";
}
export function isInvalidParameter(e: unknown): boolean {
  return asError(e)?.kind === "invalid-parameter";
}
export function isServerError(e: unknown): boolean {
  return asError(e)?.kind === "server";
}
export function isConnectionError(e: unknown): boolean {
  return asError(e)?.kind === "connection";
}
export function isTimeout(e: unknown): boolean {
  return asError(e)?.kind === "timeout";
}
export function isUnauthenticated(e: unknown): boolean {
  return asError(e)?.kind === "unauthenticated";
}
export function isFeatureDisabled(e: unknown): boolean {
  return asError(e)?.kind === "feature-disabled";
}

/**
 * A create found its title already held in its folder (docs/genie-api.md §1.2: titles are unique
 * per folder, a same-titled newcomer is renamed), so it sent nothing. `existing` is that space,
 * read in full; `claimedInThisProcess` says a create of this same process made or took it.
 */
export class SpaceTitleTakenError extends Error {
  constructor(
    readonly existing: GenieSpaceRecord,
    readonly folder: string,
    readonly claimedInThisProcess: boolean,
    /** The server made this space anyway (the title was taken after the check), renamed; it was trashed again. */
    readonly trashedDuplicate?: GenieSpaceRecord,
  ) {
    super(
      `cannot create Genie space "${existing.title}": space ${existing.space_id} already has this title in ${folder}` +
        `${existing.create_time ? ` (created ${existing.create_time})` : ""}. A title is unique within its folder, so another create would only make a renamed duplicate; ` +
        (trashedDuplicate
          ? `the one the server made (space ${trashedDuplicate.space_id}, "${trashedDuplicate.title}") was moved to the trash again.`
          : `nothing was sent.`),
    );
    this.name = "SpaceTitleTakenError";
  }
}

