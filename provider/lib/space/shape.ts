/**
 * Shape problems of a friendly input: wrong types and unknown keys, found by the zod input schema
 * (schema.ts) and keyed by field path. The reader (normalize.ts) reports them where it meets each
 * field, so the report keeps the order of the input's sections, and keeps the rules zod cannot
 * express.
 */
import type { z } from "zod";
import { joinPath } from "./problems";
import { keysOfUnknownKeysIssue, spaceInputSchemaFor, unknownKeyMessage } from "./schema";

type Issue = z.core.$ZodIssue;
/** A message, or how to write it (unknown keys: written only when reported). */
export type LazyMessage = string | (() => string);

function pathOf(segs: readonly PropertyKey[]): string {
  return segs.reduce<string>((p, s) => joinPath(p, typeof s === "number" ? s : String(s)), "");
}

/**
 * A union's issues: when the input had the type of one alternative (its issues are all below the
 * root, or unknown keys), that alternative's issues are the useful ones; otherwise the union's own
 * message ("expected text (a string or a list of strings) …") says what was expected.
 */
function collect(issues: readonly Issue[], prefix: readonly PropertyKey[], out: Map<string, LazyMessage[]>): void {
  for (const iss of issues) {
    const segs = [...prefix, ...iss.path];
    if (iss.code === "invalid_union") {
      const matched = iss.errors.find((branch) => branch.every((e) => e.path.length > 0 || e.code === "unrecognized_keys"));
      if (matched) { collect(matched, segs, out); continue; }
    }
    if (iss.code === "unrecognized_keys") {
      const [known, extra] = keysOfUnknownKeysIssue(iss.message) ?? [[], []];
      const base = pathOf(segs);
      for (const key of iss.keys) add(out, joinPath(base, key), () => unknownKeyMessage(key, known, extra));
      continue;
    }
    add(out, pathOf(segs), iss.message);
  }
}

function add(out: Map<string, LazyMessage[]>, path: string, message: LazyMessage): void {
  const list = out.get(path);
  if (list) { if (!list.includes(message)) list.push(message); } else out.set(path, [message]);
}

/**
 * Shape problems of a friendly input (a mapping), keyed by field path, in zod's order; empty when
 * the shape is valid. `topExtra`: top-level keys the caller handles itself (file metadata). The
 * messages of unknown keys are functions: the reader writes only those it reports.
 */
export function lazyShapeProblems(input: object, forge: boolean, topExtra: readonly string[] = []): Map<string, LazyMessage[]> {
  const out = new Map<string, LazyMessage[]>();
  const result = spaceInputSchemaFor({ forge, topExtra }).safeParse(input);
  if (!result.success) collect(result.error.issues, [], out);
  return out;
}

/** lazyShapeProblems with every message written. */
export function shapeProblems(input: object, forge: boolean, topExtra: readonly string[] = []): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [path, messages] of lazyShapeProblems(input, forge, topExtra)) out.set(path, messages.map((m) => (typeof m === "string" ? m : m())));
  return out;
}
