/**
 * Who may call the emulator: personal access tokens and OAuth M2M tokens issued by the emulated
 * `POST /oidc/v1/token` (docs/genie-api.md §4). Issued tokens really expire.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { OAuthClient } from "./types";

export const generatePat = (): string => `dapi${randomBytes(16).toString("hex")}`;

const sameSecret = (a: string, b: string): boolean => {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
};

export interface IssuedToken {
  access_token: string;
  token_type: "Bearer";
  expires_in: number;
  scope: string;
}

export class Credentials {
  private pats = new Set<string>();
  /** OAuth access token → expiry and the client id it was issued to. */
  private issued = new Map<string, { expiresAt: number; clientId: string }>();
  private revoked = new Set<string>();

  constructor(
    pats: string[],
    private clients: OAuthClient[],
    private ttlSeconds: number,
  ) {
    for (const p of pats) this.pats.add(p);
  }

  configure(pats: string[], clients: OAuthClient[], ttlSeconds: number): void {
    this.pats = new Set(pats);
    this.clients = clients;
    this.ttlSeconds = ttlSeconds;
  }

  /** Forget issued tokens and revocations (emulator reset). */
  clearSessions(): void {
    this.issued.clear();
    this.revoked.clear();
  }

  isValidBearer(token: string, now: number): boolean {
    if (this.revoked.has(token)) return false;
    if (this.pats.has(token)) return true;
    const expiresAt = this.issued.get(token)?.expiresAt;
    if (expiresAt === undefined) return false;
    if (now >= expiresAt) {
      this.issued.delete(token);
      return false;
    }
    return true;
  }

  /** Whether the token is one of this workspace's PATs or issued tokens (even expired or revoked). */
  knows(token: string): boolean {
    return this.pats.has(token) || this.issued.has(token) || this.revoked.has(token);
  }

  revoke(token: string): void {
    this.revoked.add(token);
    this.issued.delete(token);
  }

  authenticateClient(clientId: string, clientSecret: string): boolean {
    return this.clients.some((c) => c.clientId === clientId && sameSecret(c.clientSecret, clientSecret));
  }

  /** The principal a valid bearer acts as: the PAT itself, or the OAuth client id. */
  principalOf(token: string): string {
    return this.issued.get(token)?.clientId ?? token;
  }

  /** Accepts a token issued elsewhere (an identity provider the workspace trusts, identity/trust.ts) until it expires. */
  adopt(token: string, principal: string, expiresAt: number): void {
    if (!this.revoked.has(token)) this.issued.set(token, { expiresAt, clientId: principal });
  }

  issue(clientId: string, scope: string, now: number): IssuedToken {
    const token = `emu${randomBytes(24).toString("base64url")}`;
    this.issued.set(token, { expiresAt: now + this.ttlSeconds * 1000, clientId });
    return { access_token: token, token_type: "Bearer", expires_in: this.ttlSeconds, scope };
  }
}
