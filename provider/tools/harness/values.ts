// Property values as the engine moves them: plain JSON inside google.protobuf.Struct.
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** The engine's sentinel for a value not known during preview (docs/dynamic-providers.md §2, check). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// Secret wrapper signature, as the SDK serializes `pulumi.secret(...)` (runtime/rpc.js specialSigKey).
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, unknown>;

function isSecretWrapper(value: unknown): value is { value?: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/**
 * Plain JSON: secret wrappers removed, `undefined` keys dropped. Struct.fromJavaScript throws on
 * `undefined`, and the dynamic-provider host never sees secret wrappers (it gets plain values).
 */
export function plainJson(value: unknown): unknown {
  if (isSecretWrapper(value)) return plainJson(value.value);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : plainJson(v)));
  if (typeof value === "object" && value !== null) {
    const out: Props = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && typeof v !== "function") out[k] = plainJson(v);
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}

export function plainProps(value: unknown): Props {
  const json = plainJson(value);
  return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Props) : {};
}

export function toStruct(props: Props): Struct {
  return Struct.fromJavaScript(plainProps(props) as Parameters<typeof Struct.fromJavaScript>[0]);
}

export function fromStruct(struct: Struct | undefined): Props {
  return struct ? plainProps(struct.toJavaScript()) : {};
}

/** Deep copy through JSON: state handed out must never alias the engine's own. */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Structural equality of JSON values, key order ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ao = a as Props;
  const bo = b as Props;
  const ak = Object.keys(ao).filter((k) => ao[k] !== undefined);
  const bk = Object.keys(bo).filter((k) => bo[k] !== undefined);
  return ak.length === bk.length && ak.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && deepEqual(ao[k], bo[k]));
}
