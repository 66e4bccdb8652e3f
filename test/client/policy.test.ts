import { parseErrorBody, kindForStatus, parseRetryAfter, retryDelayMs, GenieApiError } from "../../provider/lib/client";

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-11-22T10:00:00Z");
  test("reads delay-seconds", () => {
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(["7"], now)).toBe(7000);
  });
  test("reads an HTTP date relative to now", () => {
    expect(parseRetryAfter("Sun, 22 Nov 2026 10:00:05 GMT", now)).toBe(5000);
  });
  test("treats a past date as no wait", () => {
    expect(parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", now)).toBe(0);
  });
  test("ignores absent or garbage values", () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });
});

describe("retryDelayMs", () => {
  const opts = { minDelayMs: 100, maxDelayMs: 1000 };
  test("grows exponentially with jitter between half and full step", () => {
    expect(retryDelayMs(1, { ...opts, random: () => 0 })).toBe(50);
    expect(retryDelayMs(1, { ...opts, random: () => 1 })).toBe(100);
    expect(retryDelayMs(3, { ...opts, random: () => 1 })).toBe(400);
  });
  test("is capped at maxDelayMs", () => {
    expect(retryDelayMs(20, { ...opts, random: () => 1 })).toBe(1000);
  });
  test("waits at least Retry-After, but never beyond the cap", () => {
    expect(retryDelayMs(1, { ...opts, random: () => 0 }, 700)).toBe(700);
    expect(retryDelayMs(1, { ...opts, random: () => 0 }, 60_000)).toBe(1000);
  });
});

describe("parseErrorBody", () => {
  test("reads the standard shape and the request id in details", () => {
    expect(
      parseErrorBody(404, "application/json", JSON.stringify({
        error_code: "RESOURCE_DOES_NOT_EXIST",
        message: "Unable to get space [x].",
        details: [{ "@type": "type.googleapis.com/google.rpc.RequestInfo", request_id: "r-1" }, { "@type": "type.googleapis.com/google.rpc.RetryInfo", retry_delay: "3.5s" }],
      })),
    ).toEqual({ errorCode: "RESOURCE_DOES_NOT_EXIST", message: "Unable to get space [x].", requestId: "r-1", retryAfterMs: 3500 });
  });
  test("accepts a numeric error_code", () => {
    expect(parseErrorBody(401, "application/json", '{"error_code":401,"message":"Unauthorized"}')).toMatchObject({ errorCode: "401", message: "Unauthorized" });
  });
  test("reads OAuth-style errors", () => {
    expect(parseErrorBody(401, "application/json", '{"error":"invalid_client","error_description":"Client authentication failed"}')).toEqual({
      errorCode: "invalid_client",
      message: "Client authentication failed",
    });
  });
  test("gives status text for an empty body", () => {
    expect(parseErrorBody(503, undefined, "")).toEqual({ message: "503 Service Unavailable" });
  });
  test("excerpts plain text", () => {
    expect(parseErrorBody(500, "text/plain", "x".repeat(500)).message).toMatch(/^500 Internal Server Error \(non-JSON text\/plain response\): x{200}…$/);
  });
});

describe("kindForStatus", () => {
  test.each([
    [404, "RESOURCE_DOES_NOT_EXIST", "Unable to get space [x].", "not-found"],
    [404, "RESOURCE_DOES_NOT_EXIST", "Space x has been trashed. Remove from trash to access.", "trashed"],
    [404, "FEATURE_DISABLED", "Genie is disabled", "feature-disabled"],
    [404, "ENDPOINT_NOT_FOUND", "No API found", "other"],
    [403, "PERMISSION_DENIED", "", "permission-denied"],
    [401, undefined, "", "unauthenticated"],
    [409, "ABORTED", "Etag mismatch", "conflict"],
    [429, "REQUEST_LIMIT_EXCEEDED", "", "rate-limited"],
    [400, "INVALID_PARAMETER_VALUE", "", "invalid-parameter"],
    [503, "TEMPORARILY_UNAVAILABLE", "", "server"],
  ])("HTTP %i %s → %s", (status, code, message, kind) => {
    expect(kindForStatus(status, code, message)).toBe(kind);
  });
});

test("GenieApiError redacts token-shaped text that a server echoes back", () => {
  const e = new GenieApiError({ kind: "unauthenticated", status: 401, apiMessage: "bad header Bearer dapi-CANARY-123456", method: "GET", path: "/x", operation: "read", label: "x" });
  expect(e.message).not.toContain("CANARY");
  expect(e.apiMessage).not.toContain("CANARY");
});

test("redactSecrets scrubs PATs, client secrets, JWTs, auth headers and key=value secrets", () => {
  const { redactSecrets } = require("../../provider/lib/auth") as typeof import("../../provider/lib/auth");
  const text = "dapi0123456789abcdef dose0123456789 eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig Bearer abc.def Basic Zm9vOmJhcg== client_secret=s3cr3t \"token\": \"t0k3n\"";
  const out = redactSecrets(text, ["exactsecretvalue"]);
  for (const leak of ["0123456789abcdef", "dose0123", "eyJzdWIi", "abc.def", "Zm9vOmJhcg", "s3cr3t", "t0k3n"]) expect(out).not.toContain(leak);
  expect(redactSecrets("my exactsecretvalue here", ["exactsecretvalue"])).toBe("my [REDACTED] here");
  expect(redactSecrets("invalid token: expired")).toBe("invalid token: expired");
});
