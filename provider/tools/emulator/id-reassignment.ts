/**
 * Optional "id-reassignment mode" (docs/genie-api.md §7; §2.3 and §2.6 record the unconfirmed,
 * low-confidence report that the server replaces item ids on write):
 * every item id in a stored serialized_space is replaced with a fresh one. Each id-sorted list
 * gets its fresh ids in ascending order, so the order rules of §2.4 still hold, and ids stay
 * unique across the whole document (§2.3).
 *
 * Works on the normalized (v2) document the store keeps; anything that is not a JSON object
 * (lenient mode) is left alone.
 */
import { randomBytes } from "node:crypto";
import { ObjectShape, SCHEMA_V2, Shape } from "./space-schema";

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Calls `visit` with every list of id-bearing items in the document (schema-known fields only). */
function forEachIdList(value: unknown, shape: Shape, visit: (items: JsonObject[]) => void): void {
  if (shape.t === "object") {
    if (isObject(value)) walkObject(value, shape, visit);
    return;
  }
  if (shape.t !== "list" || !Array.isArray(value)) return;
  const items = value.filter(isObject);
  if ("id" in shape.item.fields) visit(items);
  for (const item of items) walkObject(item, shape.item, visit);
}

function walkObject(value: JsonObject, shape: ObjectShape, visit: (items: JsonObject[]) => void): void {
  for (const [key, fieldShape] of Object.entries(shape.fields)) {
    if (key in value) forEachIdList(value[key], fieldShape, visit);
  }
}

function parseObject(text: string): JsonObject | undefined {
  try {
    const doc: unknown = JSON.parse(text);
    return isObject(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/** Same serialization as the store's normalized text: 2-space indent + trailing newline (§2.6). */
const serialize = (doc: unknown): string => `${JSON.stringify(doc, null, 2)}\n`;

/** The item ids of a serialized_space, in document order (test and store helper). */
export function itemIds(text: string): string[] {
  const doc = parseObject(text);
  const ids: string[] = [];
  if (doc) walkObject(doc, SCHEMA_V2, (items) => items.forEach((i) => typeof i.id === "string" && ids.push(i.id)));
  return ids;
}

/** Replace every item id with a fresh 32-hex id; per list ascending, so sorted lists stay sorted. */
export function reassignItemIds(text: string): string {
  const doc = parseObject(text);
  if (!doc) return text;
  const taken = new Set(itemIds(text));
  const fresh = (): string => {
    let id: string;
    do id = randomBytes(16).toString("hex");
    while (taken.has(id));
    taken.add(id);
    return id;
  };
  walkObject(doc, SCHEMA_V2, (items) => {
    const ids = items.map(fresh).sort();
    items.forEach((item, i) => {
      item.id = ids[i];
    });
  });
  return serialize(doc);
}

/**
 * The document with every item id blanked: two bodies that differ only in ids are the same write
 * once the server picks the ids itself (used to keep the etag on a no-op PATCH).
 */
export function withoutItemIds(text: string): string {
  const doc = parseObject(text);
  if (!doc) return text;
  walkObject(doc, SCHEMA_V2, (items) => {
    for (const item of items) item.id = "";
  });
  return serialize(doc);
}
