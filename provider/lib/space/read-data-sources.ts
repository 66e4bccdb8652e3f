/** data_sources: tables and metric views with their column configs (docs/genie-api.md §2.2). */
import { joinPath } from "./problems";
import { byKey, identifierKey, type Reader, type Rec, withExtras } from "./reader";
import { KEYS, type ColumnConfig, type TableSource } from "./schema";

/**
 * The two column toggles, from their v2 names or their v1 names (§2.2). Given under both names
 * they must agree. Entity matching requires format assistance: a genie-forge file may leave
 * format assistance out (genie-forge turns it on itself), which is done here with a warning; an
 * explicit `false` is never overridden.
 */
function readToggles(r: Reader, rec: Rec, p: string): { format?: boolean; entity?: boolean } {
  const pick = (v2: string, v1: string): { value?: boolean; key: string } => {
    const modern = r.bool(rec[v2], joinPath(p, v2));
    const legacy = r.bool(rec[v1], joinPath(p, v1));
    if (modern !== undefined && legacy !== undefined && modern !== legacy) {
      r.rule(joinPath(p, v1), `${v1} is the v1 name of ${v2}, and the two disagree (${v2}: ${modern}, ${v1}: ${legacy}): keep only ${v2}`);
    }
    return modern !== undefined ? { value: modern, key: v2 } : { value: legacy, key: legacy !== undefined ? v1 : v2 };
  };
  const format = pick("enable_format_assistance", "get_example_values");
  const entity = pick("enable_entity_matching", "build_value_dictionary");
  if (!entity.value || format.value) return { format: format.value, entity: entity.value };
  if (r.forge && format.value === undefined) {
    r.warn(joinPath(p, entity.key), `entity matching requires format assistance, so ${format.key}: true is added to this column (as genie-forge does); write it to silence this warning`);
    return { format: true, entity: true };
  }
  r.rule(joinPath(p, entity.key), format.value === false
    ? `entity matching requires format assistance, and ${format.key} is false: set ${format.key}: true, or turn entity matching off`
    : "entity matching requires format assistance: add enable_format_assistance: true to this column");
  return { format: format.value, entity: entity.value };
}

function readColumns(r: Reader, v: unknown, path: string): ColumnConfig[] | undefined {
  const out: ColumnConfig[] = [];
  const seen = new Map<string, string>();
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const { rec, extras } = r.object(item, p, KEYS.column);
    if (!rec) return;
    const name = r.str(rec.column_name, joinPath(p, "column_name"), "name the column this config applies to");
    if (name === undefined) return;
    const other = seen.get(name);
    if (other) r.rule(joinPath(p, "column_name"), `column "${name}" is configured twice in this table (also at ${other}): merge the two entries`);
    else seen.set(name, p);
    const col: ColumnConfig = { column_name: name };
    const description = r.lines(rec.description, joinPath(p, "description"));
    if (description) col.description = description;
    const synonyms = r.strings(rec.synonyms, joinPath(p, "synonyms"));
    if (synonyms) col.synonyms = synonyms;
    const exclude = r.bool(rec.exclude, joinPath(p, "exclude"));
    const { format, entity } = readToggles(r, rec, p);
    // proto3-style: false toggles are omitted (§2.6), so `false` and absent compare equal.
    if (exclude) col.exclude = true;
    if (format) col.enable_format_assistance = true;
    if (entity) col.enable_entity_matching = true;
    out.push(withExtras(col, extras));
  });
  return out.length ? out.sort(byKey((c) => c.column_name)) : undefined;
}

/** Tables or metric views, sorted by identifier (§2.4); `known` collects their names for the join check. */
export function readDataSources(r: Reader, v: unknown, path: string, what: "table" | "metric view", known: Set<string>): TableSource[] {
  const out: TableSource[] = [];
  const seen = new Map<string, string>();
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const rec0 = typeof item === "string" ? { identifier: item } : item;
    const { rec, extras } = r.object(rec0, p, KEYS.table);
    if (!rec) return;
    const identifier = r.identifier(rec.identifier, joinPath(p, "identifier"), what === "table" ? "table" : "metric_view");
    if (identifier === undefined) return;
    known.add(identifierKey(identifier));
    const other = seen.get(identifier);
    if (other) r.rule(joinPath(p, "identifier"), `${what} "${identifier}" is listed twice (also at ${other}): merge the two entries`);
    else seen.set(identifier, p);
    const source: TableSource = { identifier };
    const description = r.lines(rec.description, joinPath(p, "description"));
    if (description) source.description = description;
    const columns = readColumns(r, rec.column_configs, joinPath(p, "column_configs"));
    if (columns) source.column_configs = columns;
    out.push(withExtras(source, extras));
  });
  return out.sort(byKey((t) => t.identifier));
}
