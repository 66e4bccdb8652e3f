/**
 * instructions.join_specs: the API's form (left, right, sql with a `--rt=…--` relationship line,
 * docs/genie-api.md §2.2), the friendly `relationship:` field, and genie-forge's legacy form
 * (left_table, right_table, join_condition, join_type).
 */
import { describe, editDistance, joinPath } from "./problems";
import { byKey, identifierKey, identifierParts, type Reader, type Rec, withExtras } from "./reader";
import { KEYS, RELATIONSHIP_TYPES, type JoinSide, type JoinSpec } from "./schema";
import { splitLines } from "./text";

const RT_MARKER = /^\s*--rt=(.*?)--\s*$/;
const RT_PREFIX = "FROM_RELATIONSHIP_TYPE_";
/** SQL join kinds a genie-forge `join_type` may hold; the API stores no join kind, only a relationship. */
const SQL_JOIN_TYPES = new Set(["INNER", "LEFT", "RIGHT", "FULL", "OUTER", "LEFT OUTER", "RIGHT OUTER", "FULL OUTER", "CROSS", "SEMI", "ANTI", "LEFT SEMI", "LEFT ANTI"]);

function relationshipMarker(r: Reader, value: string, path: string): string | undefined {
  const type = value.trim().toUpperCase();
  if (!RELATIONSHIP_TYPES.some((t) => t.toUpperCase() === type)) {
    r.rule(path, `relationship "${value}" is not valid: use one of ${RELATIONSHIP_TYPES.join(", ")}`);
    return undefined;
  }
  return `--rt=${RT_PREFIX}${type}--`;
}

/** The data sources of the space, for the check that a join only uses them. */
export interface KnownSources { keys: Set<string>; names: string[] }

function readJoinSide(r: Reader, v: unknown, path: string, which: string, sources: KnownSources): JoinSide | undefined {
  const rec0 = typeof v === "string" ? { identifier: v } : v;
  if (rec0 === undefined || rec0 === null) {
    r.shape(path, `is required: set ${which}: {identifier: catalog.schema.table, alias: ${which === "left" ? "l" : "r"}}`);
    return undefined;
  }
  const { rec, extras } = r.object(rec0, path, KEYS.joinSide);
  if (!rec) return undefined;
  const idPath = joinPath(path, "identifier");
  const identifier = r.identifier(rec.identifier, idPath, "table");
  if (identifier === undefined) return undefined;
  const parts = identifierParts(identifier);
  if (parts.length === 3 && !parts.includes("") && !identifier.includes("${") && !sources.keys.has(identifierKey(identifier))) {
    // A typo in a known name (not any name of similar length): at most two edits away.
    const hint = sources.names.find((n) => editDistance(identifierKey(n), identifierKey(identifier)) <= 2);
    r.rule(idPath, `"${identifier}" is not in data_sources: a join can only use the space's tables and metric views; `
      + (hint ? `did you mean "${hint}"?` : "add it to data_sources.tables, or fix the name"));
  }
  const side: JoinSide = { identifier };
  const alias = r.str(rec.alias, joinPath(path, "alias"));
  if (alias) side.alias = alias;
  return withExtras(side, extras);
}

/** genie-forge's join_type: a relationship type is kept; INNER is dropped with a warning; other SQL join kinds are errors. */
function legacyJoinType(r: Reader, rec: Rec, p: string): string | undefined {
  const path = joinPath(p, "join_type");
  const joinType = r.str(rec.join_type, path);
  if (!joinType) return undefined;
  const kind = joinType.trim().toUpperCase().replace(/[\s_]+/g, " ").replace(/ JOIN$/, "");
  if (kind === "INNER") {
    r.warn(path, `join_type ${joinType} is dropped: the Genie API stores no join kind, only a relationship (Genie writes the join itself); remove join_type, or set relationship: ${RELATIONSHIP_TYPES.join(" | ")}`);
    return undefined;
  }
  if (SQL_JOIN_TYPES.has(kind)) {
    r.rule(path, `join_type ${joinType} is a SQL join kind, which the Genie API cannot store (it stores only a relationship): remove join_type, or give the relationship instead (${RELATIONSHIP_TYPES.join(", ")})`);
    return undefined;
  }
  return relationshipMarker(r, joinType, path);
}

export function readJoins(r: Reader, v: unknown, path: string, sources: KnownSources): JoinSpec[] {
  const out: JoinSpec[] = [];
  r.list(v, path).forEach((item, i) => {
    const p = joinPath(path, i);
    const legacy = item !== null && typeof item === "object" && !Array.isArray(item)
      && ["left_table", "right_table", "join_condition", "join_type"].some((k) => k in (item as Rec));
    const { rec, extras } = r.object(item, p, legacy ? KEYS.legacyJoin : KEYS.join);
    if (!rec) return;
    let left: JoinSide | undefined, right: JoinSide | undefined;
    let parts: string[] = [];
    let sqlPath: string;
    const markers: string[] = [];
    if (legacy) {
      left = readJoinSide(r, rec.left_table, joinPath(p, "left_table"), "left_table", sources);
      right = readJoinSide(r, rec.right_table, joinPath(p, "right_table"), "right_table", sources);
      sqlPath = joinPath(p, "join_condition");
      const cond = r.text(rec.join_condition, sqlPath);
      if (cond !== undefined) parts = splitLines(cond);
      const marker = legacyJoinType(r, rec, p);
      if (marker) markers.push(marker);
    } else {
      left = readJoinSide(r, rec.left, joinPath(p, "left"), "left", sources);
      right = readJoinSide(r, rec.right, joinPath(p, "right"), "right", sources);
      sqlPath = joinPath(p, "sql");
      if (typeof rec.sql === "string") parts = splitLines(rec.sql);
      else if (rec.sql !== undefined && rec.sql !== null) {
        r.list(rec.sql, sqlPath).forEach((s, j) => {
          if (typeof s === "string") parts.push(s);
          else r.shape(joinPath(sqlPath, j), `expected a string; got ${describe(s)}`);
        });
      }
    }
    // The relationship travels as a `--rt=FROM_RELATIONSHIP_TYPE_…--` element of sql (§2.2).
    const condition: string[] = [];
    for (const part of parts) {
      const m = RT_MARKER.exec(part);
      if (!m) { condition.push(part); continue; }
      const type = m[1].startsWith(RT_PREFIX) ? m[1].slice(RT_PREFIX.length) : m[1];
      const marker = relationshipMarker(r, type, sqlPath);
      if (marker) markers.push(marker);
      else if (!r.strict) markers.push(part.trim());
    }
    if (!legacy && rec.relationship !== undefined && rec.relationship !== null) {
      const rel = r.str(rec.relationship, joinPath(p, "relationship"));
      const m = rel === undefined ? undefined : relationshipMarker(r, rel, joinPath(p, "relationship"));
      if (m) {
        if (markers.length && markers[0] !== m) {
          r.rule(joinPath(p, "relationship"), "relationship disagrees with the --rt= line in sql: keep only one of them");
        }
        if (!markers.includes(m)) markers.unshift(m);
      }
    }
    const unique = [...new Set(markers)];
    if (unique.length > 1) r.rule(sqlPath, "a join has one relationship type: keep a single --rt=… line");
    // Trailing newlines of a condition (YAML `|`) carry no meaning; the API's exports have none.
    const conditionText = condition.join("").replace(/\s+$/, "");
    if (conditionText === "") {
      r.shape(sqlPath, "join condition is missing: write it, e.g. sql: \"`orders`.`customer_id` = `customers`.`customer_id`\"");
    }
    if (!left || !right || conditionText === "") return;
    const spec: JoinSpec = {
      id: r.id(rec, p, "join_spec", [left.identifier, left.alias ?? "", right.identifier, right.alias ?? ""].join(" "), "join (same tables and aliases)"),
      left, right,
      sql: [...splitLines(conditionText), ...unique.slice(0, 1)],
    };
    const comment = r.lines(rec.comment, joinPath(p, "comment"));
    if (comment) spec.comment = comment;
    const instructionKey = legacy && rec.instruction === undefined ? "description" : "instruction";
    const instruction = r.lines(rec[instructionKey], joinPath(p, instructionKey));
    if (instruction) spec.instruction = instruction;
    out.push(withExtras(spec, extras));
  });
  return out.sort(byKey((j) => j.id));
}
