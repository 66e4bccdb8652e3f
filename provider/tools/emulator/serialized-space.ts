/**
 * Server-side handling of `serialized_space`: strict validation with the real error strings
 * (docs/genie-api.md §2.3–2.5, §7) and the normalization the server applies before storing (§2.6).
 */
import { invalidParameter } from "./api-error";
import {
  ListShape,
  ObjectShape,
  SCHEMA_V1,
  SCHEMA_V2,
  Shape,
  SpaceVersion,
  V1_TOGGLE_RENAMES,
} from "./space-schema";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const ID_PATTERN = /^[0-9a-f]{32}$/;
const RELATIONSHIP_MARKER = /^--rt=FROM_RELATIONSHIP_TYPE_(ONE_TO_ONE|ONE_TO_MANY|MANY_TO_ONE|MANY_TO_MANY)--$/;
const MAX_DATA_SOURCES = 30;
const MAX_INSTRUCTIONS = 100;
const MAX_SNIPPETS = 200;

export interface ValidationOptions {
  /** Also apply the lower-confidence rules (entity matching needs format assistance, --rt marker, 3-part names). */
  optionalRules?: boolean;
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Jackson-style token names, as they appear in the server's messages. */
function tokenOf(v: unknown): string {
  if (v === null) return "VALUE_NULL";
  if (Array.isArray(v)) return "START_ARRAY";
  switch (typeof v) {
    case "string":
      return "VALUE_STRING";
    case "number":
      return Number.isInteger(v) ? "VALUE_NUMBER_INT" : "VALUE_NUMBER_FLOAT";
    case "boolean":
      return v ? "VALUE_TRUE" : "VALUE_FALSE";
    default:
      return "START_OBJECT";
  }
}

const shapeError = (expected: string, got: unknown, path: string) =>
  invalidParameter(`Invalid JSON in field 'serialized_space': Expected '${expected}' not '${tokenOf(got)}' at ${path}`);

function parseDocument(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw invalidParameter(`Invalid JSON in field 'serialized_space': ${(e as Error).message}`);
  }
}

function versionOf(doc: JsonObject): SpaceVersion {
  const v = doc.version;
  // A missing version reads as the proto default 0 (3PS).
  const shown = v === undefined || v === null ? 0 : typeof v === "string" ? JSON.stringify(v) : String(v);
  if (v !== 1 && v !== 2) {
    throw invalidParameter(`Invalid export proto: ExportConverter supports versions 1 and 2, but got ${shown}`);
  }
  return v;
}

interface WalkState {
  /** Ids seen so far: unique across all lists combined (docs/genie-api.md §2.3). */
  ids: Set<string>;
}

function checkObject(value: unknown, shape: ObjectShape, path: string, state: WalkState): void {
  if (!isObject(value)) throw shapeError("START_OBJECT", value, path);
  for (const [key, child] of Object.entries(value)) {
    const fieldShape = shape.fields[key];
    if (!fieldShape) throw invalidParameter(`Unknown field '${key}' at ${path}`);
    if (child === null) continue; // proto JSON: null reads as the default value
    checkField(child, fieldShape, key, `${path}.${key}`, state);
  }
  for (const [key, fieldShape] of Object.entries(shape.fields)) {
    if (fieldShape.t === "string" && fieldShape.required && !(typeof value[key] === "string" && value[key] !== "")) {
      throw invalidParameter(`${shape.kind}.${key} must be provided and non-empty.`);
    }
  }
  if ("id" in shape.fields) {
    const id = value.id;
    if (typeof id !== "string" || !ID_PATTERN.test(id)) {
      throw invalidParameter(
        `${shape.kind}.id must be provided and non-empty. Expected lowercase 32-hex UUID without hyphens.`,
      );
    }
    if (state.ids.has(id)) {
      throw invalidParameter(`Duplicate id '${id}' at ${path}: ids must be unique across the whole space.`);
    }
    state.ids.add(id);
  }
}

function checkField(value: Json, shape: Shape, field: string, path: string, state: WalkState): void {
  switch (shape.t) {
    case "string":
      if (typeof value !== "string") {
        throw invalidParameter(`Expected a string for ${field} at ${path}, got ${tokenOf(value)}`);
      }
      return;
    case "bool":
      if (typeof value !== "boolean") {
        throw invalidParameter(`Expected a boolean for ${field} at ${path}, got ${tokenOf(value)}`);
      }
      return;
    case "text":
      if (!Array.isArray(value)) {
        throw invalidParameter(`Expected an array for ${field} at ${path}, got ${tokenOf(value)}`);
      }
      value.forEach((element, i) => {
        if (typeof element !== "string") {
          throw invalidParameter(`Expected a string for ${field} element at ${path}[${i}], got ${tokenOf(element)}`);
        }
      });
      return;
    case "object":
      checkObject(value, shape, path, state);
      return;
    case "list":
      checkList(value, shape, path, state);
      return;
  }
}

function checkList(value: Json, shape: ListShape, path: string, state: WalkState): void {
  if (!Array.isArray(value)) throw shapeError("START_ARRAY", value, path);
  if (shape.maxItems !== undefined && value.length > shape.maxItems) {
    throw invalidParameter(shape.tooMany?.(value.length) ?? `${shape.label} has more than ${shape.maxItems} items`);
  }
  value.forEach((item, i) => checkObject(item, shape.item, `${path}[${i}]`, state));
  const key = shape.sortKey;
  if (!key || shape.resort) return;
  for (let i = 1; i < value.length; i++) {
    const prev = String((value[i - 1] as JsonObject)[key]);
    const cur = String((value[i] as JsonObject)[key]);
    // Plain byte-wise string order (§2.4); JS string comparison is by UTF-16 code unit, equal for ASCII.
    if (prev > cur) {
      const prefix = shape.protoPrefix ? "Invalid export proto: " : "";
      throw invalidParameter(`${prefix}${shape.label} must be sorted by ${key}`);
    }
  }
}

const arr = (v: unknown): JsonObject[] => (Array.isArray(v) ? (v.filter(isObject) as JsonObject[]) : []);
const obj = (v: unknown): JsonObject => (isObject(v) ? v : {});
const hasText = (v: unknown): boolean => Array.isArray(v) && v.length > 0;

/** Product limits (docs/genie-api.md §2.5, LIM). Counted on the validated document. */
function checkLimits(doc: JsonObject): void {
  const ds = obj(doc.data_sources);
  const tables = arr(ds.tables);
  const views = arr(ds.metric_views);
  const sources = tables.length + views.length;
  if (sources > MAX_DATA_SOURCES) {
    throw invalidParameter(
      `Invalid export proto: Exceeded maximum number (${MAX_DATA_SOURCES}) of tables and metric views: got ${sources}`,
    );
  }
  const ins = obj(doc.instructions);
  const instructionCount =
    arr(ins.example_question_sqls).length + arr(ins.sql_functions).length + (arr(ins.text_instructions).length > 0 ? 1 : 0);
  if (instructionCount > MAX_INSTRUCTIONS) {
    throw invalidParameter(
      `Exceeded maximum number (${MAX_INSTRUCTIONS}) of instructions (example SQL queries, SQL functions and text instructions): got ${instructionCount}`,
    );
  }
  let snippets = arr(ins.join_specs).length;
  for (const source of [...tables, ...views]) {
    if (hasText(source.description)) snippets++;
    for (const column of arr(source.column_configs)) if (hasText(column.description)) snippets++;
  }
  const sqlSnippets = obj(ins.sql_snippets);
  snippets += arr(sqlSnippets.filters).length + arr(sqlSnippets.expressions).length + arr(sqlSnippets.measures).length;
  if (snippets > MAX_SNIPPETS) {
    throw invalidParameter(
      `Exceeded maximum number (${MAX_SNIPPETS}) of knowledge snippets (table and column descriptions, join specs, SQL snippets): got ${snippets}`,
    );
  }
}

/** Lower-confidence rules (docs/genie-api.md §7 "Optional rules"). */
function checkOptionalRules(doc: JsonObject, version: SpaceVersion): void {
  const ds = obj(doc.data_sources);
  const formatToggle = version === 1 ? "get_example_values" : "enable_format_assistance";
  const entityToggle = version === 1 ? "build_value_dictionary" : "enable_entity_matching";
  for (const source of [...arr(ds.tables), ...arr(ds.metric_views)]) {
    const identifier = String(source.identifier);
    if (identifier.split(".").length !== 3) {
      throw invalidParameter(
        `Invalid export proto: identifier '${identifier}' must be a three-part name <catalog>.<schema>.<name>`,
      );
    }
    for (const column of arr(source.column_configs)) {
      if (column[entityToggle] === true && column[formatToggle] !== true) {
        throw invalidParameter(
          `${entityToggle} requires ${formatToggle} (column '${String(column.column_name)}' of ${identifier})`,
        );
      }
    }
  }
  for (const spec of arr(obj(doc.instructions).join_specs)) {
    const sql = Array.isArray(spec.sql) ? spec.sql : [];
    const last = sql.length > 0 ? String(sql[sql.length - 1]).trim() : "";
    if (!RELATIONSHIP_MARKER.test(last)) {
      throw invalidParameter(
        `join_spec ${String(spec.id)}: sql must end with a --rt=FROM_RELATIONSHIP_TYPE_<ONE_TO_ONE|ONE_TO_MANY|MANY_TO_ONE|MANY_TO_MANY>-- element`,
      );
    }
  }
}

/** Strict validation; throws ApiError 400 INVALID_PARAMETER_VALUE with the server's wording. */
export function validateSerializedSpace(textValue: string, options: ValidationOptions = {}): JsonObject {
  const doc = parseDocument(textValue);
  if (!isObject(doc)) {
    throw invalidParameter(`Invalid JSON in field 'serialized_space': Expected 'START_OBJECT' not '${tokenOf(doc)}' (line 1)`);
  }
  const version = versionOf(doc);
  const schema = version === 1 ? SCHEMA_V1 : SCHEMA_V2;
  const state: WalkState = { ids: new Set() };
  for (const [key, child] of Object.entries(doc)) {
    if (key === "version") continue;
    const shape = schema.fields[key];
    if (!shape) throw invalidParameter(`Unknown field '${key}' at serialized_space`);
    if (child === null) continue;
    checkField(child, shape, key, key, state);
  }
  checkLimits(doc);
  if (options.optionalRules) checkOptionalRules(doc, version);
  return doc;
}

/** v1 → v2: toggles renamed, version bumped (docs/genie-api.md §2.6; CLI observed migration). */
function upgradeToV2(doc: JsonObject): JsonObject {
  const ds = obj(doc.data_sources);
  const renameColumns = (sources: unknown): unknown =>
    Array.isArray(sources)
      ? sources.map((source) =>
          isObject(source) && Array.isArray(source.column_configs)
            ? {
                ...source,
                column_configs: source.column_configs.map((column) =>
                  isObject(column)
                    ? Object.fromEntries(Object.entries(column).map(([k, v]) => [V1_TOGGLE_RENAMES[k] ?? k, v]))
                    : column,
                ),
              }
            : source,
        )
      : sources;
  const upgraded: JsonObject = { ...doc, version: 2 };
  if (isObject(doc.data_sources)) {
    upgraded.data_sources = {
      ...ds,
      ...(ds.tables !== undefined ? { tables: renameColumns(ds.tables) as Json } : {}),
      ...(ds.metric_views !== undefined ? { metric_views: renameColumns(ds.metric_views) as Json } : {}),
    };
  }
  return upgraded;
}

/**
 * Canonical form of one value: known keys in schema order, then unknown keys (lenient mode only)
 * in their original order; empty strings, empty lists/objects and `false` toggles dropped
 * (proto3-style omission, §2.6). Values of an unexpected type are kept as they are.
 */
function normalizeValue(value: Json, shape: Shape | undefined): Json | undefined {
  if (value === null) return undefined;
  if (!shape) return value;
  switch (shape.t) {
    case "string":
      return value === "" ? undefined : value;
    case "bool":
      return value === false ? undefined : value;
    case "text":
      return Array.isArray(value) && value.length === 0 ? undefined : value;
    case "object": {
      if (!isObject(value)) return value;
      const out = normalizeObject(value, shape);
      return Object.keys(out).length === 0 ? undefined : out;
    }
    case "list": {
      if (!Array.isArray(value)) return value;
      let items = value.map((item) => (isObject(item) ? normalizeObject(item, shape.item) : item));
      if (shape.resort && shape.sortKey) {
        const key = shape.sortKey;
        items = [...items].sort((a, b) => {
          const ka = String(isObject(a) ? a[key] : "");
          const kb = String(isObject(b) ? b[key] : "");
          return ka < kb ? -1 : ka > kb ? 1 : 0;
        });
      }
      return items.length === 0 ? undefined : items;
    }
  }
}

function normalizeObject(value: JsonObject, shape: ObjectShape): JsonObject {
  const out: JsonObject = {};
  for (const [key, fieldShape] of Object.entries(shape.fields)) {
    if (!(key in value)) continue;
    const normalized = normalizeValue(value[key], fieldShape);
    if (normalized !== undefined) out[key] = normalized;
  }
  for (const [key, child] of Object.entries(value)) {
    if (key in shape.fields || child === null) continue;
    out[key] = child;
  }
  return out;
}

/** Canonical stored document: v2, canonical key order, empties dropped, `data_sources` always present. */
export function normalizeSpaceDocument(doc: JsonObject): JsonObject {
  const version = doc.version === 1 ? 2 : doc.version;
  const source = doc.version === 1 ? upgradeToV2(doc) : doc;
  const body = normalizeObject({ ...source, version: null }, SCHEMA_V2);
  const out: JsonObject = { version: version ?? null };
  if (out.version === null) delete out.version;
  for (const key of Object.keys(SCHEMA_V2.fields)) {
    if (key === "data_sources") {
      // The migration adds "data_sources": {} even when there is none (CLI, observed 2026-06).
      out.data_sources = body.data_sources ?? {};
    } else if (body[key] !== undefined) {
      out[key] = body[key];
    }
  }
  for (const [key, child] of Object.entries(body)) if (!(key in out)) out[key] = child;
  return out;
}

/** Pretty-printed, 2-space indent, trailing newline — the way exports come back (PPG, §2.6). */
export const serializeDocument = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

/**
 * Validate (strict) and normalize a serialized_space as the server does on write.
 * Lenient mode mirrors the CLI test server: anything goes; JSON objects are still normalized,
 * anything else is stored verbatim.
 */
export function acceptSerializedSpace(textValue: string, strict: boolean, options: ValidationOptions = {}): string {
  if (strict) return serializeDocument(normalizeSpaceDocument(validateSerializedSpace(textValue, options)));
  let parsed: unknown;
  try {
    parsed = JSON.parse(textValue);
  } catch {
    return textValue;
  }
  return isObject(parsed) ? serializeDocument(normalizeSpaceDocument(parsed)) : textValue;
}

/**
 * A semantically equal re-serialization (keys alphabetically ordered at every level), used to
 * simulate a backend schema migration that changes the bytes and the etag but not the meaning
 * (docs/genie-api.md §5.2).
 */
export function reserializeForMigration(textValue: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(textValue);
  } catch {
    return textValue;
  }
  const sortKeys = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortKeys);
    if (!isObject(v)) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortKeys(v[k])]),
    );
  };
  return serializeDocument(sortKeys(parsed));
}
