/**
 * The fast YAML parse: js-yaml with a schema that resolves plain scalars exactly as the `yaml`
 * package does with its default YAML 1.2 core schema. The `yaml` package stays the reference
 * (and the only source of line:col positions): files.ts re-reads a file with it whenever this
 * parse fails or the file has any problem, so reported errors never depend on js-yaml.
 *
 * Why a custom schema and not js-yaml's own: js-yaml's DEFAULT_SCHEMA adds timestamps (so
 * `default_value: 2026-01-01` would become a Date) and merge keys, and even its CORE_SCHEMA reads
 * `0b101` and `1_000` as numbers, which the `yaml` package's 1.2 core keeps as strings.
 */
import * as jsyaml from "js-yaml";

/** The `yaml` package's core-schema regexes (yaml/dist/schema/core/*.js, common/null.js). */
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_DEC = /^[-+]?[0-9]+$/;
const INT_OCT = /^0o[0-7]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN_INF = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

const isNumber = (x: unknown): boolean => typeof x === "number";

/**
 * Cheap pre-checks by first character, so most plain scalars (words, SQL, identifiers) skip the
 * regexes: every core-schema number starts with a digit, a sign or a dot; booleans with t/T/f/F.
 */
const startsNumeric = (s: string): boolean => {
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46; // 0-9 + - .
};
const startsBool = (s: string): boolean => {
  const c = s.charCodeAt(0);
  return c === 116 || c === 84 || c === 102 || c === 70; // t T f F
};

const nullType = new jsyaml.Type("tag:yaml.org,2002:null", {
  kind: "scalar",
  resolve: (s: string | null) => s === null || (s.length <= 4 && NULL.test(s)),
  construct: () => null,
  predicate: (x: unknown) => x === null,
  represent: () => "null",
});

const boolType = new jsyaml.Type("tag:yaml.org,2002:bool", {
  kind: "scalar",
  resolve: (s: string | null) => s !== null && s.length <= 5 && startsBool(s) && BOOL.test(s),
  construct: (s: string) => s[0] === "t" || s[0] === "T",
  predicate: (x: unknown) => typeof x === "boolean",
  represent: (x: object) => String(x),
});

const intType = new jsyaml.Type("tag:yaml.org,2002:int", {
  kind: "scalar",
  resolve: (s: string | null) => s !== null && startsNumeric(s) && (INT_DEC.test(s) || INT_OCT.test(s) || INT_HEX.test(s)),
  construct: (s: string) => (INT_OCT.test(s) ? parseInt(s.slice(2), 8) : INT_HEX.test(s) ? parseInt(s.slice(2), 16) : parseInt(s, 10)),
  predicate: (x: unknown) => isNumber(x) && Number.isInteger(x),
  represent: (x: object) => String(x),
});

const floatType = new jsyaml.Type("tag:yaml.org,2002:float", {
  kind: "scalar",
  resolve: (s: string | null) => s !== null && startsNumeric(s) && (FLOAT_NAN_INF.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s)),
  construct: (s: string) => {
    if (FLOAT_NAN_INF.test(s)) {
      if (s.slice(-3).toLowerCase() === "nan") return NaN;
      return s[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    }
    return parseFloat(s);
  },
  predicate: (x: unknown) => isNumber(x),
  represent: (x: object) => String(x),
});

/** YAML 1.2 core as the `yaml` package reads it: no timestamps, no merge keys, no binary ints. */
export const YAML_CORE_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({ implicit: [nullType, boolType, intType, floatType] });

/**
 * Constructs js-yaml reads differently from the `yaml` package, or that the `yaml` package limits:
 * directives (`%YAML 1.1` switches the `yaml` package to YAML 1.1 scalars) and anchors (the
 * `yaml` package caps alias expansion). A file using them takes the reference parser directly.
 * False positives (e.g. `&x` inside a quoted string) only cost speed.
 */
const ANCHOR = /(?:^|[\s[{,])&[^\s,[\]{}]/;
const DIRECTIVE = /^%/m;

function needsReference(text: string): boolean {
  return (text.includes("&") && ANCHOR.test(text)) || (text.includes("%") && DIRECTIVE.test(text));
}

/** The data of a YAML text, or undefined when only the reference parser may read it. */
export function fastParseYaml(text: string): { data: unknown } | undefined {
  if (needsReference(text)) return undefined;
  try {
    return { data: jsyaml.load(text, { schema: YAML_CORE_SCHEMA }) };
  } catch {
    return undefined;
  }
}
