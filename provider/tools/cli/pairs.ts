import { CliError } from "./io";

/**
 * `name=value` flags, as `clone --templatize/--var` and `validate --var` take them: the flag may be
 * repeated, and one value may hold several pairs separated by commas (`--var a=1,b=2` is a=1 and
 * b=2). Names are identifiers; a value is never empty. `what` names the value in the error.
 */
export function parsePairs(flag: string, specs: readonly string[], what = "value"): Record<string, string> {
  const out: Record<string, string> = {};
  for (const spec of specs) {
    for (const pair of spec.split(",")) {
      if (pair.trim() === "") continue;
      const eq = pair.indexOf("=");
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1);
      if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || value === "") {
        throw new CliError(`${flag} expects name=${what} pairs such as catalog=dev_catalog,schema=analytics (got "${pair}")`, 2);
      }
      out[name] = value;
    }
  }
  return out;
}
