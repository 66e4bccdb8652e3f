/**
 * Text fields travel as arrays of strings that the API concatenates without separators;
 * exports split them at newlines, "\n" ending every element except the last
 * (docs/genie-api.md §2, PPG: "logically one string; split at newlines for nicer diffs").
 */

/** The one logical string an API text array stands for. */
export function joinText(parts: readonly string[]): string {
  return parts.join("");
}

/** Split text the way the API's exports do: each element ends with "\n" except the last. */
export function splitLines(text: string): string[] {
  if (text === "") return [];
  const lines: string[] = [];
  let start = 0;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", start)) {
    lines.push(text.slice(start, i + 1));
    start = i + 1;
  }
  if (start < text.length) lines.push(text.slice(start));
  return lines;
}

/** Canonical form of an API text array. */
export function canonicalText(parts: readonly string[]): string[] {
  return splitLines(joinText(parts));
}
