/**
 * Semantic comparison of two spaces. Both sides are read into the canonical form first, so key
 * order, whitespace, line splitting, v1→v2 renames, server re-sorting, the `data_sources: {}` the
 * server adds, omitted false toggles and empty lists can never show up as a difference
 * (docs/genie-api.md §2.6, §5.1: "serialized_space never round-trips byte-for-byte").
 */
import { canonicalSpace } from "./canonical";
import type { SpaceDefinition, SpaceInput } from "./schema";
import { joinText } from "./text";

/**
 * One field-level difference. `before` is the DESIRED side's value (what the program/file says),
 * `after` is the REMOTE side's value (what the server has); `undefined` means "absent on that side".
 * Paths use item keys rather than positions, e.g. `data_sources.tables["retail.gold.orders"].description`
 * or `instructions.example_question_sqls["2a6c…"].sql`, so adding one item reports only that item.
 */
export interface SpaceDifference {
  path: string;
  before: unknown;
  after: unknown;
}

type Side = SpaceDefinition | SpaceInput | string;

/** How items of each list are matched between the two sides. */
const ITEM_KEY: Record<string, string> = {
  sample_questions: "id", text_instructions: "id", example_question_sqls: "id", sql_functions: "id",
  join_specs: "id", filters: "id", expressions: "id", measures: "id", questions: "id",
  tables: "identifier", metric_views: "identifier", column_configs: "column_name", parameters: "name",
};

/** Fields that are one logical string split into lines; reported as that string. */
const TEXT_FIELDS = new Set(["question", "sql", "content", "description", "usage_guidance", "comment", "instruction"]);

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function shown(field: string, v: unknown): unknown {
  if (TEXT_FIELDS.has(field) && Array.isArray(v) && v.every((x) => typeof x === "string")) return joinText(v as string[]);
  return v;
}

function diffValue(field: string, a: unknown, b: unknown, path: string, out: SpaceDifference[]): void {
  if (sameValue(a, b)) return;
  const key = ITEM_KEY[field];
  if (key && Array.isArray(a) && Array.isArray(b) && [...a, ...b].every((x) => isRecord(x) && typeof x[key] === "string")) {
    diffList(key, a as Record<string, unknown>[], b as Record<string, unknown>[], path, out, field === "parameters");
    return;
  }
  if (isRecord(a) && isRecord(b)) {
    diffObject(a, b, path, out);
    return;
  }
  out.push({ path, before: shown(field, a), after: shown(field, b) });
}

function diffObject(a: Record<string, unknown>, b: Record<string, unknown>, path: string, out: SpaceDifference[]): void {
  const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
  for (const k of keys) diffValue(k, a[k], b[k], path ? `${path}.${k}` : k, out);
}

function diffList(key: string, a: Record<string, unknown>[], b: Record<string, unknown>[], path: string, out: SpaceDifference[], ordered: boolean): void {
  const byKeyB = new Map(b.map((x) => [x[key] as string, x]));
  const byKeyA = new Map(a.map((x) => [x[key] as string, x]));
  for (const item of a) {
    const k = item[key] as string;
    const p = `${path}[${JSON.stringify(k)}]`;
    if (byKeyB.has(k)) diffObject(item, byKeyB.get(k)!, p, out);
    else out.push({ path: p, before: item, after: undefined });
  }
  for (const item of b) {
    const k = item[key] as string;
    if (!byKeyA.has(k)) out.push({ path: `${path}[${JSON.stringify(k)}]`, before: undefined, after: item });
  }
  // Parameters keep the user's order (§2.4), so a reordering is a real change.
  if (ordered) {
    const orderA = a.map((x) => x[key]).filter((k) => byKeyB.has(k as string));
    const orderB = b.map((x) => x[key]).filter((k) => byKeyA.has(k as string));
    if (!sameValue(orderA, orderB)) out.push({ path: `${path}(order)`, before: orderA, after: orderB });
  }
}

/**
 * Field-level differences between the desired and the remote space (empty when nothing really
 * differs). Each side may be a SpaceDefinition, a SpaceInput or a serialized_space string.
 */
export function compareSpaces(desired: Side, remote: Side): SpaceDifference[] {
  // The provider compares its own canonical text with state on every diff and refresh.
  if (typeof desired === "string" && desired === remote) return [];
  const out: SpaceDifference[] = [];
  diffObject(
    canonicalSpace(desired) as unknown as Record<string, unknown>,
    canonicalSpace(remote) as unknown as Record<string, unknown>,
    "", out,
  );
  return out;
}
