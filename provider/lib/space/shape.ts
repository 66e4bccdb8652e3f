/**
 * Shape problems of a friendly input: wrong types and unknown keys, found by the zod input schema
 * (schema.ts) and keyed by field path. The reader (normalize.ts) reports them where it meets each
 * field, so the report keeps the order of the input's sections, and keeps the rules zod cannot
 * express.
 */
import type { z } from "zod";
import { joinPath } from "./problems";
import { KEY_SEPARATOR, spaceInputSchemaFor } from "./schema";

type Issue = z.core.$ZodIssue;

function pathOf(segs: readonly PropertyKey[]): string {
  return segs.reduce<string>((p, s) => joinPath(p, typeof s === "number" ? s : String(s)), "");
}

/**
 * A union's issues: when the input had the type of one alternative (its issues are all below the
 * root, or unknown keys), that alternative's issues are the useful ones; otherwise the union's own
 * message ("expected text (a string or a list of strings) …") says what was expected.
 */
function collect(issues: readonly Issue[], prefix: readonly PropertyKey[], out: Map<string, string[]>): void {
  for (const iss of issues) {
    const segs = [...prefix, ...iss.path];
    if (iss.code === "invalid_union") {
      const matched = iss.errors.find((branch) => branch.every((e) => e.path.length > 0 || e.code === "unrecognized_keys"));
      if (matched) { collect(matched, segs, out); continue; }
    }
    if (iss.code === "unrecognized_keys") {
      const messages = iss.message.split(KEY_SEPARATOR);
      const base = pathOf(segs);
      iss.keys.forEach((key, i) => add(out, joinPath(base, key), messages[i] ?? `unknown field "${key}"`));
      continue;
    }
    add(out, pathOf(segs), iss.message);
  }
}

function add(out: Map<string, string[]>, path: string, message: string): void {
  const list = out.get(path);
  if (list) { if (!list.includes(message)) list.push(message); } else out.set(path, [message]);
}

/**
 * Shape problems of a friendly input (a mapping), keyed by field path, in zod's order; empty when
 * the shape is valid. `topExtra`: top-level keys the caller handles itself (file metadata).
 */
export function shapeProblems(input: object, forge: boolean, topExtra: readonly string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const result = spaceInputSchemaFor({ forge, topExtra }).safeParse(input);
  if (!result.success) collect(result.error.issues, [], out);
  return out;
}
