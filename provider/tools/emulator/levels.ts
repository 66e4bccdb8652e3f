/**
 * The one list of Genie space permission levels in the emulator (docs/genie-api.md §1 "ACLs"),
 * lowest first, so a level's rank is its place in the list. Every check of "at least CAN_EDIT",
 * every validation of a level sent to the emulator and every error naming the supported levels
 * reads this list.
 */

export const PERMISSION_LEVELS = ["NONE", "CAN_READ", "CAN_RUN", "CAN_EDIT", "CAN_MANAGE"] as const;

/** A Genie space permission level; "NONE" = no access at all (the space looks nonexistent). */
export type PermissionLevel = (typeof PERMISSION_LEVELS)[number];

/** The levels the permissions API accepts for Genie spaces (every level but "NONE"). */
export type AclLevel = Exclude<PermissionLevel, "NONE">;

export const ACL_LEVELS: readonly AclLevel[] = PERMISSION_LEVELS.filter((l): l is AclLevel => l !== "NONE");

export const isPermissionLevel = (value: unknown): value is PermissionLevel =>
  (PERMISSION_LEVELS as readonly unknown[]).includes(value);

export const isAclLevel = (value: unknown): value is AclLevel => (ACL_LEVELS as readonly unknown[]).includes(value);

/** Whether `level` grants at least what `required` does. */
export const atLeast = (level: PermissionLevel, required: PermissionLevel): boolean =>
  PERMISSION_LEVELS.indexOf(level) >= PERMISSION_LEVELS.indexOf(required);

/** The higher of two levels. */
export const higher = <L extends PermissionLevel>(a: L, b: L): L => (atLeast(a, b) ? a : b);
