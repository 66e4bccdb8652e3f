/**
 * `${name}` substitution in space files. `$${` writes a literal `${` (into text: descriptions,
 * SQL, instructions, titles; never into a name, which the reader and the loader reject). A
 * variable that is not defined is reported (never shipped to the API as `${catalog}`), and so is
 * a variable whose value holds `${`: values are not expanded again, so that `${` would reach the API.
 */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}/g;

export interface VariableReference { name: string; index: number }

export function substituteVariables(text: string, variables: Readonly<Record<string, string>>): {
  value: string;
  /** references to variables that are not defined */
  missing: VariableReference[];
  /** references to variables whose value contains `${` */
  unexpanded: VariableReference[];
} {
  const missing: VariableReference[] = [];
  const unexpanded: VariableReference[] = [];
  const value = text.replace(REFERENCE, (match: string, name: string | undefined, index: number) => {
    if (name === undefined) return "${"; // `$${` escape
    const key = name.trim();
    if (!Object.prototype.hasOwnProperty.call(variables, key)) {
      missing.push({ name: key, index });
      return match;
    }
    const v = variables[key];
    if (v.includes("${")) unexpanded.push({ name: key, index });
    return v;
  });
  return { value, missing, unexpanded };
}

export function hasVariableSyntax(text: string): boolean {
  return text.includes("${");
}

/**
 * The YAML writer's inverse: escape literal `${`, then turn known literal values back into
 * `${name}` references (longest value first, so `dev_catalog_x` is not split by `dev_catalog`).
 */
export function templateVariables(text: string, variables: Readonly<Record<string, string>>): string {
  let out = text.split("${").join("$${");
  const entries = Object.entries(variables).filter(([, v]) => v !== "").sort((a, b) => b[1].length - a[1].length);
  if (entries.length === 0) return out;
  const pattern = new RegExp(entries.map(([, v]) => v.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|"), "g");
  const byValue = new Map(entries.map(([k, v]) => [v, k]));
  out = out.replace(pattern, (m) => "${" + byValue.get(m)! + "}");
  return out;
}
