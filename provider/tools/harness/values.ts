// Property values as the engine moves them: JSON inside google.protobuf.Struct, with the SDK's
// special objects for secrets (docs/dynamic-providers.md §2).
import { Struct } from "google-protobuf/google/protobuf/struct_pb";

/** The engine's sentinel for a value not known during preview (docs/dynamic-providers.md §2, check). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

// The signature key and secret signature the SDK writes into a Struct for `pulumi.secret(...)`
// (the same constants as @pulumi/pulumi runtime/rpc; test/harness/sdk-internals.test.ts pins them).
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

export type Props = Record<string, unknown>;

/** A secret as it travels in a Struct: `{ <sig>: <secret sig>, value }`. */
export interface SecretValue {
  [SIG_KEY]: typeof SECRET_SIG;
  value?: unknown;
}

export function isSecret(value: unknown): value is SecretValue {
  return typeof value === "object" && value !== null && (value as Props)[SIG_KEY] === SECRET_SIG;
}

export function makeSecret(value: unknown): SecretValue {
  return isSecret(value) ? value : { [SIG_KEY]: SECRET_SIG, value };
}

/** Whether `value` is, or holds anywhere inside it, a secret. */
export function containsSecrets(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecrets);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsSecrets);
  return false;
}

/**
 * JSON as a Struct can hold it: `undefined` keys dropped (Struct.fromJavaScript throws on them),
 * functions dropped, non-finite numbers as null. Secret wrappers are kept or, for a provider that
 * does not accept secrets (the dynamic-provider host answers Configure with acceptSecrets=false),
 * replaced by the plain value.
 */
function structJson(value: unknown, keepSecrets: boolean): unknown {
  if (isSecret(value)) return keepSecrets ? makeSecret(structJson(value.value, true)) : structJson(value.value, false);
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : structJson(v, keepSecrets)));
  if (typeof value === "object" && value !== null) {
    const out: Props = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined && typeof v !== "function") out[k] = structJson(v, keepSecrets);
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return null;
  return value;
}

function asProps(json: unknown): Props {
  return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Props) : {};
}

/** Plain JSON: secret wrappers removed. */
export function plainJson(value: unknown): unknown {
  return structJson(value, false);
}

export function plainProps(value: unknown): Props {
  return asProps(structJson(value, false));
}

/** JSON with secret wrappers kept (what the SDK and the engine exchange). */
export function wireProps(value: unknown): Props {
  return asProps(structJson(value, true));
}

/** A Struct of plain values: what a provider that does not accept secrets receives. */
export function toStruct(props: Props): Struct {
  return Struct.fromJavaScript(plainProps(props) as Parameters<typeof Struct.fromJavaScript>[0]);
}

/** A Struct that keeps secret wrappers: what the engine sends the SDK and a secret-aware peer. */
export function toWireStruct(props: Props): Struct {
  return Struct.fromJavaScript(wireProps(props) as Parameters<typeof Struct.fromJavaScript>[0]);
}

export function fromStruct(struct: Struct | undefined): Props {
  return struct ? plainProps(struct.toJavaScript()) : {};
}

export function fromWireStruct(struct: Struct | undefined): Props {
  return struct ? wireProps(struct.toJavaScript()) : {};
}

/**
 * The engine's rule for a provider that cannot take secrets (provider_plugin.go annotateSecrets):
 * a property of `outs` becomes secret when the property of the same name in `ins` held a secret;
 * objects on both sides are matched key by key. Returns a new value; `outs` is left alone.
 */
export function annotateSecrets(outs: Props, ins: Props): Props {
  const result: Props = { ...outs };
  for (const [key, inValue] of Object.entries(ins)) {
    if (!(key in result)) continue;
    const outValue = result[key];
    if (isPlainObject(outValue) && isPlainObject(inValue)) result[key] = annotateSecrets(outValue, inValue);
    else if (!isSecret(outValue) && containsSecrets(inValue)) result[key] = makeSecret(outValue);
  }
  return result;
}

function isPlainObject(value: unknown): value is Props {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !isSecret(value);
}

/** Marks the named top-level properties secret (the `additionalSecretOutputs` resource option). */
export function markSecret(props: Props, keys: readonly string[] = []): Props {
  const result: Props = { ...props };
  for (const key of keys) if (key in result) result[key] = makeSecret(result[key]);
  return result;
}

// ------------------------------------------------------------------------------ secret paths

function pathSegment(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

/**
 * Where the secrets in a wire value are, as property paths (`a`, `a.b`, `a[0]`, `["x.y"]`): a
 * plain way for state handed to tests and tools to say what is secret.
 */
export function secretPaths(value: unknown): string[] {
  const paths: string[] = [];
  const walk = (v: unknown, at: string) => {
    if (isSecret(v)) {
      paths.push(at);
      return;
    }
    if (Array.isArray(v)) v.forEach((item, i) => walk(item, at + pathSegment(i)));
    else if (typeof v === "object" && v !== null) for (const [k, item] of Object.entries(v)) walk(item, at + pathSegment(k));
  };
  if (typeof value === "object" && value !== null && !isSecret(value)) {
    for (const [k, item] of Object.entries(value)) walk(item, pathSegment(k).replace(/^\./, ""));
  }
  return paths.sort();
}

function parsePath(path: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const re = /(?:^|\.)([A-Za-z_$][\w$-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let match: RegExpExecArray | null;
  while (re.lastIndex < path.length && (match = re.exec(path))) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(JSON.parse(match[3]) as string);
  }
  if (re.lastIndex !== path.length) throw new Error(`not a property path: ${JSON.stringify(path)}`);
  return segments;
}

/** Plain `props` with the values at `paths` wrapped as secrets again (the inverse of secretPaths). */
export function withSecrets(props: Props, paths: readonly string[] = []): Props {
  const result = clone(props) ?? {};
  for (const path of paths) {
    const segments = parsePath(path);
    let parent: unknown = result;
    for (const s of segments.slice(0, -1)) parent = isSecret(parent) ? undefined : (parent as Record<string | number, unknown> | undefined)?.[s];
    const last = segments[segments.length - 1];
    if (typeof parent === "object" && parent !== null && last in parent) {
      const container = parent as Record<string | number, unknown>;
      container[last] = makeSecret(container[last]);
    }
  }
  return result;
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
