// Scrubs credentials out of any text that may reach a user: error messages, log lines.

/** Patterns that look like Databricks credentials wherever they appear. */
const SECRET_PATTERNS: readonly RegExp[] = [
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, // Authorization header values
  /\bdapi[A-Za-z0-9_-]{4,}/g, // personal access tokens
  /\bdose[A-Za-z0-9_-]{4,}/g, // OAuth client secrets
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, // JWT access tokens
  // key=value (form bodies, query strings) and "key": "value" (JSON)
  /\b(access_token|client_secret|refresh_token|id_token|token|password)(=|["']\s*:\s*["'])[^\s"'&,;}]+/gi,
];

/** Replaces known secret values and secret-shaped substrings with "[REDACTED]". */
export function redactSecrets(text: string, knownSecrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    // Very short values would redact ordinary words; real secrets are long.
    if (secret && secret.length >= 6) out = out.split(secret).join("[REDACTED]");
  }
  out = out.replace(SECRET_PATTERNS[0], (_m, scheme: string) => `${scheme} [REDACTED]`);
  out = out.replace(SECRET_PATTERNS[1], "[REDACTED]");
  out = out.replace(SECRET_PATTERNS[2], "[REDACTED]");
  out = out.replace(SECRET_PATTERNS[3], "[REDACTED]");
  out = out.replace(SECRET_PATTERNS[4], (_m, key: string, sep: string) => `${key}${sep}[REDACTED]`);
  return out;
}
