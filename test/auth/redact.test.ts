/** The one redaction point: every registered credential, in every form it may be sent in, is removed. */
import { forgetSecrets, redactSecrets, registerClientCredentials, registerSecret } from "../../provider/lib/auth";
import { TokenCache } from "../../provider/lib/auth/token-cache";

afterEach(() => forgetSecrets());

const SECRET = "plain canary+secret/with=odd&chars~0123456789";

test("a registered credential is removed as is, URL- and form-encoded, JSON-escaped, and in base64 at any offset", () => {
  registerSecret(SECRET);
  const b64AtOffset = (prefix: string) => Buffer.from(prefix + SECRET + "!trailer").toString("base64");
  const samples = [
    `echo: ${SECRET}`,
    `body=client_secret=${encodeURIComponent(SECRET)}&x=1`,
    `body=${new URLSearchParams({ s: SECRET }).toString()}`,
    `json: ${JSON.stringify({ s: SECRET })}`,
    `b64 ${b64AtOffset("")} ${b64AtOffset("a")} ${b64AtOffset("ab")}`,
    `b64url ${Buffer.from("xy" + SECRET).toString("base64url")}`,
  ];
  for (const text of samples) {
    const out = redactSecrets(text);
    expect(out).toContain("[REDACTED]");
    expect(out).not.toContain(SECRET);
    expect(out).not.toContain(encodeURIComponent(SECRET));
    expect(out).not.toMatch(/Y2FuYXJ5|canary/);
  }
});

test("the Basic value of client_id:client_secret is removed wherever it appears, with or without its scheme", () => {
  registerClientCredentials("sp-client", SECRET);
  for (const pair of [`sp-client:${SECRET}`, `sp-client:${encodeURIComponent(SECRET)}`]) {
    const basic = Buffer.from(pair).toString("base64");
    expect(redactSecrets(`{"authorization":"Basic ${basic}"}`)).not.toContain(basic.slice(12, 40));
    expect(redactSecrets(`received ${basic} from you`)).not.toContain(basic.slice(12, 40));
  }
});

test("a JWT's payload and signature are removed even apart from the whole token", () => {
  const jwt = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ sub: "ci", exp: 1 })).toString("base64url")}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;
  registerSecret(jwt);
  const [, payload, signature] = jwt.split(".");
  expect(redactSecrets(`payload ${payload} and ${signature}`)).toBe("payload [REDACTED] and [REDACTED]");
});

test("ordinary text survives: short values are not registered, and unrelated words stay", () => {
  registerSecret("abc");
  registerSecret(SECRET);
  expect(redactSecrets("cannot create Genie space abc in /Shared: HTTP 403")).toBe("cannot create Genie space abc in /Shared: HTTP 403");
});

test("tokens are refreshed before expiry with one refresh in flight, and used while the refresh runs", async () => {
  let fetched = 0;
  let release: () => void = () => undefined;
  const cache = new TokenCache(async () => {
    fetched++;
    if (fetched > 1) await new Promise<void>((r) => (release = r));
    // 1st token: 20 s left — inside the 40 s minimum margin (Azure's), outside the hard 5 s one → refreshed in the background.
    return { accessToken: `access-token-${fetched}`, expiresAt: Date.now() + (fetched === 1 ? 20_000 : 3_600_000) };
  }, 40_000);
  expect((await cache.get()).accessToken).toBe("access-token-1");
  const during = await Promise.all([cache.get(), cache.get(), cache.get()]);
  expect(during.map((t) => t.accessToken)).toEqual(["access-token-1", "access-token-1", "access-token-1"]);
  expect(fetched).toBe(2);
  release();
  await new Promise((r) => setImmediate(r));
  expect((await cache.get()).accessToken).toBe("access-token-2");
  expect(fetched).toBe(2);
  // An obtained token is itself registered with the redaction point.
  expect(redactSecrets("echo access-token-2")).toBe("echo [REDACTED]");
});
