/**
 * RS256 JSON Web Tokens for the emulated identity providers: one key pair per identity emulator,
 * published as a JWKS, used to sign every ID token and access token it issues and to check them
 * where the emulated workspace accepts them (docs/emulator.md "Identity providers").
 */
import { createPublicKey, createSign, createVerify, generateKeyPairSync, randomUUID, type KeyObject } from "node:crypto";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PEM of the private key (handed out inside emulated Google service account keys). */
  privatePem: string;
}

export function newSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid: randomUUID(), privateKey, publicKey, privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString() };
}

export function jwks(keys: SigningKey[]): { keys: unknown[] } {
  return { keys: keys.map((k) => ({ ...k.publicKey.export({ format: "jwk" }), kid: k.kid, use: "sig", alg: "RS256" })) };
}

const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString("base64url");

export function signJwt(key: SigningKey, claims: Record<string, unknown>): string {
  const unsigned = `${enc({ alg: "RS256", typ: "JWT", kid: key.kid })}.${enc(claims)}`;
  return `${unsigned}.${createSign("RSA-SHA256").update(unsigned).sign(key.privateKey).toString("base64url")}`;
}

export type Claims = Record<string, unknown> & { iss?: string; sub?: string; aud?: string | string[]; exp?: number };

/** The claims of a JWT signed by `publicKey` (any PEM or KeyObject), or a reason it is not valid now. */
export function verifyJwt(token: string, publicKey: KeyObject | string, now = Date.now()): { claims: Claims } | { error: string } {
  const parts = token.split(".");
  if (parts.length !== 3) return { error: "not a JWT" };
  let header: { alg?: string };
  let claims: Claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], "base64url").toString("utf8")) as { alg?: string };
    claims = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Claims;
  } catch {
    return { error: "not a JWT" };
  }
  if (header.alg !== "RS256") return { error: `unsupported alg ${header.alg}` };
  const key = typeof publicKey === "string" ? createPublicKey(publicKey) : publicKey;
  const ok = createVerify("RSA-SHA256").update(`${parts[0]}.${parts[1]}`).verify(key, Buffer.from(parts[2], "base64url"));
  if (!ok) return { error: "bad signature" };
  if (typeof claims.exp === "number" && claims.exp * 1000 <= now) return { error: "expired" };
  return { claims };
}

/** Claims without checking the signature (to route a token to the key that must check it). */
export function peekClaims(token: string): Claims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8")) as Claims;
  } catch {
    return undefined;
  }
}

export function audiences(claims: Claims): string[] {
  return Array.isArray(claims.aud) ? claims.aud.map(String) : claims.aud !== undefined ? [String(claims.aud)] : [];
}
