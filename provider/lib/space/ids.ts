import * as crypto from "node:crypto";

/** docs/genie-api.md §2.3: ids are exactly 32 lowercase hex characters (uuid4().hex). */
export const ID_PATTERN = /^[0-9a-f]{32}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}

/**
 * A missing id is derived from the item's kind and its own stable content (never its
 * position), so adding, removing or reordering other items never changes it.
 */
export function deriveId(kind: string, content: string): string {
  const normalized = content.replace(/\s+/g, " ").trim();
  return sha256Hex(`${kind}\n${normalized}`).slice(0, 32);
}

type OneShotHash = (algorithm: string, data: string, encoding: "hex") => string;
const oneShot = (crypto as unknown as { hash?: OneShotHash }).hash;

/** `crypto.hash` (Node ≥ 20.12) gives the same digest without a Hash object per id (ids are derived by the hundred per space). */
function sha256Hex(text: string): string {
  return oneShot ? oneShot("sha256", text, "hex") : crypto.createHash("sha256").update(text).digest("hex");
}
