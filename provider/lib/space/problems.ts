/** A validation problem: where (a field path like `data_sources.tables[2].identifier`) and what to do. */
export interface SpaceProblem {
  path: string;
  message: string;
}

/** Thrown by toSerializedSpace / fromSerializedSpace when a definition is invalid. */
export class SpaceValidationError extends Error {
  readonly problems: SpaceProblem[];
  constructor(problems: SpaceProblem[]) {
    super(
      `invalid Genie space definition (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n` +
        problems.map((p) => `${p.path || "(root)"}: ${p.message}`).join("\n"),
    );
    this.name = "SpaceValidationError";
    this.problems = problems;
  }
}

/** Levenshtein distance, used for "did you mean" suggestions on unknown keys. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The closest known key, if it is close enough to be a plausible typo. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(unknown.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  const tolerance = Math.max(2, Math.floor(unknown.length / 3));
  return bestDistance <= tolerance ? best : undefined;
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base ? `${base}.${key}` : key;
}

/** How a value is named in messages ("the string \"x\"", "a list", …). */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + "…" : v)}`;
  return `the ${typeof v} ${String(v)}`;
}
