/**
 * The YAML writer (used by export): a definition becomes the file a person would write — the
 * friendly form, one block string per multi-line text, the join relationship as a field. Ids are
 * kept, so loading the file reproduces exactly the same canonical body.
 */
import { stringify } from "yaml";
import type { SpaceDefinition } from "./schema";
import { joinText } from "./text";
import { templateVariables } from "./variables";

export interface SpaceYamlInput {
  name: string;
  title: string;
  description?: string;
  warehouseId?: string;
  parentPath?: string;
  definition: SpaceDefinition;
}

export interface SpaceYamlOptions {
  /** literal → `${name}` templating, e.g. `{ catalog: "dev_catalog" }` writes `${catalog}` wherever dev_catalog appears */
  variables?: Record<string, string>;
}

const TEXT_FIELDS = new Set(["question", "sql", "content", "description", "usage_guidance", "comment", "instruction"]);
const RT_MARKER = /^\s*--rt=FROM_RELATIONSHIP_TYPE_([A-Z_]+)--\s*$/;
/** Never templated: ids are opaque and the logical name is not part of the content. */
const VERBATIM_FIELDS = new Set(["id", "name", "column_name"]);

type Rec = Record<string, unknown>;

function isRecord(v: unknown): v is Rec {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function friendlyJoin(spec: Rec, t: (s: string) => string): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(spec)) {
    if (k !== "sql" || !Array.isArray(v)) { out[k] = friendly(k, v, t); continue; }
    const parts = v as string[];
    const condition = parts.filter((p) => !RT_MARKER.test(p));
    const marker = parts.find((p) => RT_MARKER.test(p));
    out.sql = t(joinText(condition));
    if (marker) out.relationship = RT_MARKER.exec(marker)![1].toLowerCase();
  }
  return out;
}

function friendlyBenchmark(question: Rec, t: (s: string) => string): Rec {
  const out: Rec = {};
  for (const [k, v] of Object.entries(question)) {
    const answers = v as Rec[];
    if (k === "answer" && Array.isArray(v) && answers.length === 1 && answers[0].format === "SQL"
      && Object.keys(answers[0]).length === 2 && Array.isArray(answers[0].content)) {
      out.expected_sql = t(joinText(answers[0].content as string[]));
    } else {
      out[k] = friendly(k, v, t);
    }
  }
  return out;
}

function friendly(key: string, value: unknown, t: (s: string) => string): unknown {
  if (typeof value === "string") return VERBATIM_FIELDS.has(key) ? value : t(value);
  if (Array.isArray(value)) {
    if (TEXT_FIELDS.has(key) && value.every((x) => typeof x === "string")) return t(joinText(value as string[]));
    if (key === "join_specs") return value.map((v) => (isRecord(v) ? friendlyJoin(v, t) : v));
    if (key === "questions") return value.map((v) => (isRecord(v) ? friendlyBenchmark(v, t) : v));
    return value.map((v) => friendly(key, v, t));
  }
  if (isRecord(value)) {
    const out: Rec = {};
    for (const [k, v] of Object.entries(value)) out[k] = friendly(k, v, t);
    return out;
  }
  return value;
}

/** The space as a YAML space file (see the README section "Space files"). */
export function toSpaceYaml(space: SpaceYamlInput, opts: SpaceYamlOptions = {}): string {
  const vars = opts.variables ?? {};
  // Every string goes through templating: it also escapes a literal `${` as `$${`, so loading
  // the file back gives the same text.
  const t = (s: string): string => templateVariables(s, vars);
  const file: Rec = { name: space.name, title: t(space.title) };
  if (space.description) file.description = t(space.description);
  if (space.warehouseId) file.warehouse_id = t(space.warehouseId);
  if (space.parentPath) file.parent_path = t(space.parentPath);
  const { version: _version, ...content } = space.definition as unknown as Rec;
  for (const [k, v] of Object.entries(content)) {
    if (k === "data_sources" && isRecord(v) && Object.keys(v).length === 0) continue;
    file[k] = friendly(k, v, t);
  }
  return stringify(file, { blockQuote: "literal", lineWidth: 0 });
}
