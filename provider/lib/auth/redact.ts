// The one redaction point: scrubs credentials out of any text that may reach a user (error
// messages, CLI output, provider step errors, log lines).
//
// Every credential this process reads or obtains — a configured token or secret, an access token,
// an ID token, a refresh token — is registered here by the code that reads or obtains it, in every
// form it may be sent in: as is, URL-encoded, JSON-escaped, and base64/base64url at any byte offset
// (so it is found inside an HTTP Basic header of `client_id:client_secret`, a JWT payload or any
// other encoded blob a server echoes back). `redactSecrets` removes every registered form, then
// anything that merely looks like a credential.

const REDACTED = "[REDACTED]";
/** Registered values shorter than this would redact ordinary words; real credentials are long. */
const MIN_EXACT = 8;
/** Values handed to one redactSecrets call (the credential of that very request) may be shorter. */
const MIN_KNOWN = 6;
/** Base64 fragments shorter than this could match by chance. */
const MIN_FRAGMENT = 10;
/** Bound on what the process remembers (a refreshing token adds a few forms per hour). */
const MAX_FORMS = 20_000;

/** Every form of every live credential, newest last. */
const liveForms = new Set<string>();
/** Forms sorted longest first, rebuilt lazily after a registration. */
let sorted: string[] | undefined;

function remember(form: string, min: number): void {
  if (form.length < min || liveForms.has(form)) return;
  liveForms.add(form);
  if (liveForms.size > MAX_FORMS) liveForms.delete(liveForms.values().next().value as string);
  sorted = undefined;
}

/**
 * The stretches of base64 (and base64url) text that encode `bytes` wherever they sit in a longer
 * encoded buffer: one per alignment (0, 1 or 2 bytes before it), trimmed to the characters that
 * depend on `bytes` alone.
 */
function base64Fragments(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift), bytes]).toString("base64").replace(/=+$/, "");
    const start = Math.ceil((shift * 8) / 6);
    const end = Math.floor(((shift + bytes.length) * 8) / 6);
    const fragment = encoded.slice(start, end);
    out.push(fragment, fragment.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return out;
}

/** Registers a live credential in every form it may be sent in. */
export function registerSecret(value: string | undefined): void {
  if (value === undefined) return;
  const v = value.trim();
  if (v.length < MIN_EXACT) return;
  remember(v, MIN_EXACT);
  if (v !== value) remember(value, MIN_EXACT);
  remember(encodeURIComponent(v), MIN_EXACT);
  remember(new URLSearchParams({ v }).toString().slice(2), MIN_EXACT); // form encoding (space → +)
  remember(JSON.stringify(v).slice(1, -1), MIN_EXACT);
  for (const f of base64Fragments(Buffer.from(v, "utf8"))) remember(f, MIN_FRAGMENT);
  // A JWT: its payload and signature are as telling as the whole (the header is generic).
  const jwt = /^[A-Za-z0-9_-]+\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)$/.exec(v);
  if (jwt) {
    remember(jwt[1], MIN_FRAGMENT);
    remember(jwt[2], MIN_FRAGMENT);
  }
}

/**
 * Registers OAuth client credentials: the secret, and the HTTP Basic value built from the pair
 * (both the RFC 6749 form-encoded pair and the raw pair, as clients differ).
 */
export function registerClientCredentials(clientId: string | undefined, clientSecret: string | undefined): void {
  registerSecret(clientSecret);
  if (!clientId || !clientSecret) return;
  for (const pair of [`${clientId}:${clientSecret}`, `${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`]) {
    remember(Buffer.from(pair, "utf8").toString("base64"), MIN_FRAGMENT);
  }
}

/** Test hook: forget every registered credential. */
export function forgetSecrets(): void {
  liveForms.clear();
  sorted = undefined;
}

/** Patterns that look like Databricks credentials wherever they appear. */
const HEADER_VALUE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const SHAPES: readonly RegExp[] = [
  /\bdapi[A-Za-z0-9_-]{4,}/g, // personal access tokens
  /\bdose[A-Za-z0-9_-]{4,}/g, // OAuth client secrets
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, // JWTs (access and ID tokens)
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z ]*PRIVATE KEY-----|$)/g, // PEM keys
];
// key=value (form bodies, query strings) and "key": "value" (JSON)
const KEY_VALUE =
  /\b(access_token|client_secret|refresh_token|id_token|subject_token|assertion|private_key|token|password|accessToken|refreshToken|idToken)(=|["']\s*:\s*["'])[^\s"'&,;}]+/gi;

/** Replaces every registered credential form, the given values, and credential-shaped text with "[REDACTED]". */
export function redactSecrets(text: string, knownSecrets: ReadonlyArray<string | undefined> = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret && secret.length >= MIN_KNOWN) out = out.split(secret).join(REDACTED);
  }
  if (liveForms.size > 0) {
    sorted ??= [...liveForms].sort((a, b) => b.length - a.length);
    for (const form of sorted) if (out.includes(form)) out = out.split(form).join(REDACTED);
  }
  out = out.replace(HEADER_VALUE, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  for (const shape of SHAPES) out = out.replace(shape, REDACTED);
  out = out.replace(KEY_VALUE, (_m, key: string, sep: string) => `${key}${sep}${REDACTED}`);
  return out;
}
