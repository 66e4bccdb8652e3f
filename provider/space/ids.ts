import { createHash } from "node:crypto";

/** genie-api.md §2.3: ids are exactly 32 lowercase hex characters (uuid4().hex). */
export const ID_PATTERN = /^[0-9a-f]{32}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/**
 * A missing id is derived from the item's kind and its own stable content (never its
 * position), so adding, removing or reordering other items never changes it.
 */
export function deriveId(kind: string, content: string): string {
  const normalised = content.replace(/\s+/g, " ").trim();
  return createHash("sha256").update(`${kind}\n${normalised}`).digest("hex").slice(0, 32);
}
