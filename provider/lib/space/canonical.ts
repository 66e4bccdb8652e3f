/**
 * definition ⇄ serialized_space. The reader (normalize.ts) already builds objects in canonical
 * key order with every list sorted, so serializing is a plain compact JSON.stringify: the same
 * input gives byte-identical output on every machine.
 */
import type { SpaceDefinition, SpaceInput } from "./schema";
import { knownCanonicalBody, readSpace } from "./normalize";
import { SpaceValidationError } from "./problems";

export interface SerializeOptions {
  /**
   * Keep fields this library does not know (e.g. a field the API added after this release, read
   * by fromSerializedSpace) instead of rejecting them, so a definition read from the server can be
   * written back losslessly. Other rules still apply.
   */
  allowUnknownFields?: boolean;
}

/** The canonical, compact `serialized_space` string. Throws SpaceValidationError listing every problem. */
export function toSerializedSpace(definition: SpaceDefinition | SpaceInput, options: SerializeOptions = {}): string {
  const known = knownCanonicalBody(definition);
  if (known !== undefined) return known;
  const strict = readSpace(definition, { mode: "strict" });
  if (strict.problems.length === 0) return JSON.stringify(strict.definition);
  if (options.allowUnknownFields) {
    const rest = strict.problems.filter((p) => !p.message.startsWith("unknown field"));
    if (rest.length === 0) {
      const lenient = readSpace(definition, { mode: "lenient" });
      if (!lenient.fatal) return JSON.stringify(lenient.definition);
    }
    if (rest.length) throw new SpaceValidationError(rest);
  }
  throw new SpaceValidationError(strict.problems);
}

/**
 * Read `serialized_space` as the API returns it: v1 or v2, any key order, pretty or compact,
 * trailing newline. Lenient: rules the server already accepted are not re-checked, and fields
 * this library does not know are preserved. Throws only when the text cannot be read as a space.
 */
export function fromSerializedSpace(text: string): SpaceDefinition {
  const result = readSpace(text, { mode: "lenient" });
  if (result.fatal || !result.definition) throw new SpaceValidationError(result.problems);
  return result.definition;
}

/** Canonical definition of either side of a comparison, read leniently. */
export function canonicalSpace(side: SpaceDefinition | SpaceInput | string): SpaceDefinition {
  const result = readSpace(side, { mode: "lenient" });
  if (result.fatal || !result.definition) throw new SpaceValidationError(result.problems);
  return result.definition;
}
