/**
 * HTTP plumbing of the emulator, independent of any API: reading a request body under a size
 * cap, the bearer credential, parsing JSON and form bodies into request fields, and writing an
 * answer (JSON, a Databricks-style error body, or raw text).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { ApiError, errorBody, invalidParameter } from "./api-error";

/** What a route answers; `body` is JSON-serialized, or an ApiError written as an error body. */
export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Raw text body instead of JSON (the HTML fault). */
  text?: string;
}

export const ok = (body: unknown): Reply => ({ status: 200, body });

export const errorReply = (error: ApiError): Reply => ({ status: error.status, body: error, headers: error.headers });

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Run a route; an ApiError becomes its error answer, anything else a 500 INTERNAL_ERROR. */
export async function safely(fn: () => Reply | Promise<Reply>): Promise<Reply> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof ApiError) return errorReply(e);
    return errorReply(new ApiError(500, "INTERNAL_ERROR", `Emulator error: ${(e as Error).message}`));
  }
}

/** Write the answer (nothing when the client is already gone). */
export function send(res: ServerResponse, reply: Reply, requestId: string): void {
  if (res.destroyed) return;
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let text: string;
  if (reply.text !== undefined) {
    text = reply.text;
  } else {
    const body = reply.body instanceof ApiError ? errorBody(reply.body, requestId) : reply.body;
    text = JSON.stringify(body ?? {});
    headers["Content-Type"] = "application/json";
  }
  res.writeHead(reply.status, { ...headers, "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** The token of an `Authorization: Bearer …` header. */
export function bearerOf(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "");
  return m ? m[1] : undefined;
}

/**
 * After answering a request whose body was not (all) read: the rest is read and dropped as it
 * comes, so memory stays flat, and the connection stays open meanwhile, so the client can read the
 * answer (closing at once makes the client's next write draw a reset that can destroy the unread
 * answer). A client still sending after `lingerMs` is cut off.
 */
export function discardRest(req: IncomingMessage, lingerMs: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => req.socket.destroy(), lingerMs).unref();
  const stop = () => clearTimeout(timer);
  req.once("end", stop);
  req.once("close", stop);
  req.resume();
}

export type BodyRead = { kind: "read"; text: string } | { kind: "too-large" } | { kind: "failed" };

/**
 * Read the whole body as UTF-8 text, up to `limit` bytes. A declared Content-Length above the
 * limit is refused before a byte is read; a body that grows past it (chunked) is refused as soon
 * as it does, and what was read is dropped. Either way the caller answers 413 and discards the
 * rest (discardRest), never holding it.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<BodyRead> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) return Promise.resolve({ kind: "too-large" });
  return new Promise((resolve) => {
    let chunks: Buffer[] = [];
    let size = 0;
    const done = (result: BodyRead) => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      chunks = [];
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.pause();
        done({ kind: "too-large" });
      } else {
        chunks.push(chunk);
      }
    };
    const onEnd = () => {
      const text = Buffer.concat(chunks).toString("utf8");
      done({ kind: "read", text });
    };
    const onError = () => done({ kind: "failed" });
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
  });
}

export function isForm(req: IncomingMessage): boolean {
  return (req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded");
}

/** Body fields that are credentials; the request log shows "***" instead. */
const SECRET_FIELDS = ["client_secret", "token", "access_token"];

/** Parsed body for the request log; secrets never recorded. */
export function bodyForLog(raw: string, form: boolean): unknown {
  if (raw === "") return undefined;
  let parsed: unknown;
  if (form) parsed = Object.fromEntries(new URLSearchParams(raw));
  else {
    try {
      parsed = JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  if (isRecord(parsed)) {
    for (const key of SECRET_FIELDS) if (key in parsed) parsed[key] = "***";
  }
  return parsed;
}

const malformed = (why: string) =>
  new ApiError(400, "MALFORMED_REQUEST", `Invalid JSON given in the body of the request - ${why}`);

/** A JSON object body (an empty body is `{}`). */
export function parseJsonBody(raw: string): Record<string, unknown> {
  if (raw.trim() === "") return {};
  const parsed = parseJsonValue(raw);
  if (!isRecord(parsed)) throw malformed("expected a map");
  return parsed;
}

/** Any JSON body (an empty body is `[]`). */
export function parseJsonValue(raw: string): unknown {
  try {
    return JSON.parse(raw || "[]");
  } catch {
    throw malformed("failed to parse");
  }
}

/** Optional string request fields: absent/null → undefined; anything but a string → 400. */
export function optionalString(body: Record<string, unknown>, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") {
    if (field === "serialized_space") {
      // docs/genie-api.md §2: serialized_space is JSON text; sending a nested object is a client error.
      throw invalidParameter(
        `Invalid JSON in field 'serialized_space': Expected 'VALUE_STRING' not '${Array.isArray(v) ? "START_ARRAY" : typeof v === "object" ? "START_OBJECT" : "VALUE_" + typeof v}' (serialized_space must be a JSON string)`,
      );
    }
    throw invalidParameter(`Invalid value for field '${field}': expected a string`);
  }
  return v;
}

export function requiredString(body: Record<string, unknown>, field: string): string {
  const v = optionalString(body, field);
  if (!v) throw invalidParameter(`Missing required field: ${field}`);
  return v;
}
