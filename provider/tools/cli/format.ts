/** Title globs and the three output shapes of data commands (table for people, json/csv for tools). */

export type OutputFormat = "table" | "json" | "csv";
export const OUTPUT_FORMATS: readonly OutputFormat[] = ["table", "json", "csv"];

export function parseOutputFormat(value: string | undefined, json?: boolean): OutputFormat {
  if (json) return "json";
  const v = (value ?? "table").toLowerCase();
  if (!(OUTPUT_FORMATS as readonly string[]).includes(v)) {
    throw new Error(`--output must be one of ${OUTPUT_FORMATS.join(", ")} (got "${value}")`);
  }
  return v as OutputFormat;
}

/**
 * A shell-style glob (`*` any run, `?` one character, `[abc]` a class) as a case-insensitive
 * whole-string matcher: `Sales*` matches "Sales Analytics" and "sales ops" but not "Pre-Sales".
 */
export function globMatcher(glob: string): (text: string) => boolean {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === "*") source += ".*";
    else if (c === "?") source += ".";
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) source += "\\[";
      else {
        const body = glob.slice(i + 1, end).replace(/\\/g, "\\\\");
        source += `[${body.startsWith("!") ? `^${body.slice(1)}` : body}]`;
        i = end;
      }
    } else source += c.replace(/[.+^${}()|\\\]]/g, "\\$&");
  }
  const re = new RegExp(`^${source}$`, "is");
  return (text) => re.test(text);
}

/** Whether a title passes `--pattern` (if any) and none of the `--exclude` globs. */
export function titleFilter(pattern: string | undefined, exclude: readonly string[] = []): (title: string) => boolean {
  const include = pattern !== undefined ? globMatcher(pattern) : () => true;
  const excluded = exclude.map(globMatcher);
  return (title) => include(title) && !excluded.some((m) => m(title));
}

export interface Column<T> {
  header: string;
  value(row: T): string;
}

export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((r) => columns.map((c) => oneLine(c.value(r))));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i].length)));
  const line = (values: string[]) => values.map((v, i) => (i === values.length - 1 ? v : v.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(columns.map((c) => c.header.toUpperCase())), ...cells.map(line)].join("\n") + "\n";
}

/** RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends. */
export function renderCsv<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const field = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const line = (values: string[]) => values.map(field).join(",");
  return [line(columns.map((c) => c.header)), ...rows.map((r) => line(columns.map((c) => c.value(r))))].join("\r\n") + "\r\n";
}

function oneLine(v: string): string {
  return v.replace(/\s*[\r\n]+\s*/g, " ");
}
