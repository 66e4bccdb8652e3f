/**
 * GenieSpacePermissions `check`: the program's inputs validated before any API call, each problem
 * with its property path and how to fix it, defaults filled in, and the grants put in canonical
 * order. Values still unknown during preview pass untouched (docs/dynamic-providers.md §2).
 */
import type * as pulumi from "@pulumi/pulumi";
import { GENIE_PERMISSION_LEVELS, isGeniePermissionLevel, type GeniePermissionLevel } from "../client/permissions";
import { isUnknown, UNKNOWN } from "./context";
import { grantList, grantsOf, keyOfSpec, PERMISSIONS_MODES, PRINCIPAL_FIELDS, type AccessControlSpec, type PrincipalSpec } from "./permissions-plan";

const ENTRY_FIELDS = new Set<string>([...PRINCIPAL_FIELDS, "permissionLevel"]);

const WHAT_NAMES: Readonly<Record<keyof PrincipalSpec, string>> = {
  userName: "the user's email address",
  groupName: "the group's name",
  servicePrincipalName: "the service principal's application id",
};

/** "can view" / "Can Run" / "CAN-EDIT" → the API level they most likely mean. */
function suggestLevel(raw: string): GeniePermissionLevel | undefined {
  const norm = raw.trim().toUpperCase().replace(/[\s-]+/g, "_");
  if (norm === "CAN_VIEW" || norm === "VIEW" || norm === "READ") return "CAN_READ";
  if (isGeniePermissionLevel(norm)) return norm;
  if (isGeniePermissionLevel(`CAN_${norm}`)) return `CAN_${norm}` as GeniePermissionLevel;
  return undefined;
}

function checkEntry(raw: unknown, i: number, failures: pulumi.dynamic.CheckFailure[]): AccessControlSpec | "unknown" | undefined {
  const at = `accessControls[${i}]`;
  if (raw === UNKNOWN) return "unknown";
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    failures.push({ property: at, reason: `${at} must be an object like { groupName: "analysts", permissionLevel: "CAN_RUN" }.` });
    return undefined;
  }
  const e = raw as Record<string, unknown>;
  let ok = true;
  for (const k of Object.keys(e)) {
    if (!ENTRY_FIELDS.has(k) && e[k] !== undefined && e[k] !== null) {
      failures.push({ property: `${at}.${k}`, reason: `unknown field "${k}": an entry has one of userName, groupName or servicePrincipalName, and permissionLevel.` });
      ok = false;
    }
  }
  const given = PRINCIPAL_FIELDS.filter((f) => e[f] !== undefined && e[f] !== null);
  const out: Partial<AccessControlSpec> = {};
  for (const f of given) {
    const v = e[f];
    if (v === UNKNOWN) continue;
    if (typeof v !== "string") {
      failures.push({ property: `${at}.${f}`, reason: `${f} must be a string.` });
      ok = false;
    } else if (v.trim() === "") {
      failures.push({ property: `${at}.${f}`, reason: `${f} is empty: give ${WHAT_NAMES[f]}.` });
      ok = false;
    } else out[f] = v.trim();
  }
  if (given.length === 0) {
    failures.push({ property: at, reason: `${at} names no principal: give exactly one of userName, groupName or servicePrincipalName.` });
    ok = false;
  } else if (given.length > 1) {
    failures.push({
      property: at,
      reason: `${at} names ${given.join(" and ")}: an entry grants exactly one principal; split it into one entry per principal.`,
    });
    ok = false;
  }
  const level = e.permissionLevel;
  if (level === UNKNOWN) {
    // resolved during `up`; validated then
  } else if (level === undefined || level === null || level === "") {
    failures.push({ property: `${at}.permissionLevel`, reason: `permissionLevel is required: one of ${GENIE_PERMISSION_LEVELS.join(", ")}.` });
    ok = false;
  } else if (!isGeniePermissionLevel(level)) {
    const hint = typeof level === "string" ? suggestLevel(level) : undefined;
    failures.push({
      property: `${at}.permissionLevel`,
      reason:
        `unknown permission level ${JSON.stringify(level)}: Genie spaces accept ${GENIE_PERMISSION_LEVELS.join(", ")}` +
        (hint ? ` (did you mean ${hint}?${hint === "CAN_READ" ? ' The UI\'s "Can view" is CAN_READ.' : ""})` : "."),
    });
    ok = false;
  } else out.permissionLevel = level;
  if (!ok) return undefined;
  if (isUnknown(e)) return "unknown";
  return out as AccessControlSpec;
}

export function checkPermissionsInputs(
  _olds: Record<string, unknown>,
  news: Record<string, unknown>,
): { inputs: Record<string, unknown>; failures: pulumi.dynamic.CheckFailure[] } {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const out: Record<string, unknown> = {};

  const spaceId = news.spaceId;
  if (spaceId === UNKNOWN) out.spaceId = spaceId;
  else if (typeof spaceId !== "string" || !/^[0-9a-f]{32}$/.test(spaceId.trim())) {
    failures.push({
      property: "spaceId",
      reason: `spaceId must be a Genie space id: 32 lowercase hex characters, e.g. a GenieSpace's spaceId output or the part after /genie/rooms/ in the space's URL (got ${JSON.stringify(spaceId ?? null)}).`,
    });
  } else out.spaceId = spaceId.trim();

  const mode = news.mode ?? "authoritative";
  if (mode === UNKNOWN || (PERMISSIONS_MODES as readonly unknown[]).includes(mode)) out.mode = mode;
  else failures.push({ property: "mode", reason: `mode must be "authoritative" (the list is the whole list) or "additive" (only the declared grants are managed); got ${JSON.stringify(mode)}.` });

  const keep = news.keepManagerAccess ?? true;
  if (keep === UNKNOWN || typeof keep === "boolean") out.keepManagerAccess = keep;
  else failures.push({ property: "keepManagerAccess", reason: `keepManagerAccess must be true or false (got ${JSON.stringify(keep)}).` });

  const list = news.accessControls;
  if (list === UNKNOWN) out.accessControls = UNKNOWN;
  else if (!Array.isArray(list)) {
    failures.push({ property: "accessControls", reason: 'accessControls is required: a list like [{ groupName: "analysts", permissionLevel: "CAN_RUN" }] ([] is allowed).' });
  } else {
    const known: AccessControlSpec[] = [];
    const pending: unknown[] = [];
    const seen = new Map<string, number>();
    list.forEach((raw, i) => {
      const entry = checkEntry(raw, i, failures);
      if (entry === "unknown") pending.push(raw);
      else if (entry) {
        const key = keyOfSpec(entry);
        const first = seen.get(key);
        if (first !== undefined) {
          const [field] = PRINCIPAL_FIELDS.filter((f) => entry[f] !== undefined);
          failures.push({
            property: `accessControls[${i}]`,
            reason: `${field} ${JSON.stringify(entry[field])} is already in accessControls[${first}]: declare each principal once, with the highest level it needs.`,
          });
        } else {
          seen.set(key, i);
          known.push(entry);
        }
      }
    });
    // Canonical order (by principal) so state and refreshed inputs compare equal however the program lists them.
    out.accessControls = [...grantList(grantsOf(known)), ...pending];
  }
  return { inputs: out, failures };
}
