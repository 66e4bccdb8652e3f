/**
 * The emulator as a server facing hostile or runaway clients: the credential is checked before any
 * of the body is read, bodies are capped (413), and the server's memory stays flat either way.
 */
import { request } from "node:http";
import { startEmulator } from "../../provider/tools/emulator";
import { createBody, useEmulator } from "./helpers";
import { type EmulatorProcess, canReadProcessMemory, useEmulatorProcesses } from "./process";

const SPACES = "/api/2.0/genie/spaces";
const MiB = 1024 * 1024;

interface Outcome {
  status?: number;
  body?: any;
  /** The client-side error, when the server closed the connection while the body was still being sent. */
  error?: string;
}

/**
 * POST `totalBytes` of body, written 1 MiB at a time from one reused buffer with backpressure (so
 * the client holds ~1 MiB, whatever the size). With `chunked`, no Content-Length is announced.
 */
function stream(url: string, path: string, opts: { totalBytes: number; token?: string; chunked?: boolean; contentType?: string }): Promise<Outcome> {
  const chunk = Buffer.alloc(Math.min(MiB, opts.totalBytes), "a");
  const { port } = new URL(url);
  const headers: Record<string, string> = { "Content-Type": opts.contentType ?? "application/json" };
  if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
  if (!opts.chunked) headers["Content-Length"] = String(opts.totalBytes);
  return new Promise((resolve) => {
    const outcome: Outcome = {};
    let settled = false;
    const settle = () => {
      if (!settled) {
        settled = true;
        resolve(outcome);
      }
    };
    const req = request({ host: "127.0.0.1", port: Number(port), path, method: "POST", headers }, (res) => {
      outcome.status = res.statusCode;
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        try {
          outcome.body = JSON.parse(text);
        } catch {
          outcome.body = text;
        }
        settle();
      });
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      outcome.error = e.code ?? e.message;
      // The answer may still be on its way; give it a moment before settling without it.
      setTimeout(settle, 200);
    });
    let sent = 0;
    const write = (): void => {
      while (sent < opts.totalBytes && !req.destroyed) {
        const piece = Math.min(chunk.length, opts.totalBytes - sent);
        sent += piece;
        if (!req.write(piece === chunk.length ? chunk : chunk.subarray(0, piece))) {
          req.once("drain", write);
          return;
        }
      }
      if (!req.destroyed) req.end();
    };
    write();
  });
}

describe("the credential comes before the body (the server's own memory, in a child process)", () => {
  // A fresh emulator process per test, so one test's allocations cannot hide another's.
  const processes = useEmulatorProcesses();
  let emu: EmulatorProcess;
  beforeEach(async () => {
    emu = await processes.start({ tokens: ["dapi-second-token"] });
  });

  /** The peak growth of the emulator process's RSS while `fn` runs, MiB. */
  async function serverGrowthMiB(fn: () => Promise<unknown>): Promise<number> {
    // Warm the server's request path so its one-time allocations are not counted.
    await stream(emu.url, SPACES, { totalBytes: 64 * 1024 });
    emu.resetPeak();
    const before = emu.rssMiB();
    await fn();
    return emu.peakMiB() - before;
  }

  const maybe = canReadProcessMemory ? test : test.skip; // reads /proc/PID/status (Linux only)

  maybe.each([
    ["with a Content-Length", false],
    ["chunked", true],
  ])("an unauthenticated 100 MB body (%s) gets 401 and the server's memory stays flat", async (_, chunked) => {
    let outcome: Outcome = {};
    const growth = await serverGrowthMiB(async () => {
      outcome = await stream(emu.url, SPACES, { totalBytes: 100 * MiB, chunked });
    });
    expect(outcome.status).toBe(401);
    expect(outcome.body.error_code).toBe("UNAUTHENTICATED");
    // Buffering the body costs 100-300 MiB; refusing it costs a few.
    expect(growth).toBeLessThan(50);
  });

  maybe("a revoked token is refused before its body is read", async () => {
    const revoke = await fetch(`${emu.url}/__emulator/revoke`, {
      method: "POST",
      headers: { Authorization: "Bearer dapi-second-token", "Content-Type": "application/json" },
      body: JSON.stringify({ token: emu.token }),
    });
    expect(revoke.status).toBe(200);
    let outcome: Outcome = {};
    const growth = await serverGrowthMiB(async () => {
      outcome = await stream(emu.url, SPACES, { totalBytes: 100 * MiB, token: emu.token });
    });
    expect(outcome.status).toBe(401);
    expect(growth).toBeLessThan(50);
  });

  maybe("an authenticated 100 MB body gets 413 at the default 16 MiB cap and the server's memory stays flat", async () => {
    let outcome: Outcome = {};
    const growth = await serverGrowthMiB(async () => {
      outcome = await stream(emu.url, SPACES, { totalBytes: 100 * MiB, token: emu.token, chunked: true });
    });
    expect(outcome.status).toBe(413);
    expect(outcome.body.message).toContain(`${16 * MiB} bytes`);
    expect(growth).toBeLessThan(50);
  });
});

describe("the credential comes before the body", () => {
  const ctx = useEmulator();

  test("a refused request is in the request log with its status and no body", async () => {
    const outcome = await stream(ctx.emu.url, SPACES, { totalBytes: 5 * MiB });
    expect(outcome.status).toBe(401);
    expect(ctx.emu.requests()).toEqual([expect.objectContaining({ method: "POST", path: SPACES, status: 401, body: undefined })]);
    expect(ctx.emu.spaces.list()).toEqual([]);
  });

  test("a fault rule does not answer for a request without a valid credential", async () => {
    ctx.emu.setFaults([{ kind: "503" }]);
    const res = await ctx.call("GET", SPACES, undefined, { token: "dapi-not-a-token" });
    expect(res.status).toBe(401);
    expect((await ctx.call("GET", SPACES)).status).toBe(503);
  });

  test("the server answers the next request after refusing a body", async () => {
    await stream(ctx.emu.url, SPACES, { totalBytes: 20 * MiB });
    expect((await ctx.call("POST", SPACES, createBody())).status).toBe(200);
  });
});

describe("body size cap", () => {
  const ctx = useEmulator({ maxBodyBytes: MiB });

  test.each([
    ["with a Content-Length", false],
    ["chunked", true],
  ])("an authenticated body over maxBodyBytes (%s) gets 413 with a Databricks-style error body", async (_, chunked) => {
    const outcome = await stream(ctx.emu.url, SPACES, { totalBytes: 2 * MiB, token: ctx.emu.token, chunked });
    expect(outcome.status).toBe(413);
    expect(outcome.body).toEqual({
      error_code: "REQUEST_ENTITY_TOO_LARGE",
      message: `The request body is larger than the limit of ${MiB} bytes.`,
      details: [expect.objectContaining({ "@type": "type.googleapis.com/google.rpc.RequestInfo", request_id: expect.any(String) })],
    });
    expect(ctx.emu.spaces.list()).toEqual([]);
    expect(ctx.emu.requests()).toEqual([expect.objectContaining({ status: 413, body: undefined })]);
  });

  test("a body of exactly maxBodyBytes is read; one byte more is not", async () => {
    const body = createBody({ description: "" });
    const text = JSON.stringify(body);
    ctx.emu.setOptions({ maxBodyBytes: Buffer.byteLength(text) });
    const at = await fetch(`${ctx.emu.url}${SPACES}`, { method: "POST", headers: { Authorization: `Bearer ${ctx.emu.token}` }, body: text });
    expect(at.status).toBe(200);
    const over = await fetch(`${ctx.emu.url}${SPACES}`, { method: "POST", headers: { Authorization: `Bearer ${ctx.emu.token}` }, body: `${text} ` });
    expect(over.status).toBe(413);
  });

  test("the token endpoint, which needs no bearer, takes at most 64 KiB", async () => {
    const outcome = await stream(ctx.emu.url, "/oidc/v1/token", {
      totalBytes: 100 * 1024,
      contentType: "application/x-www-form-urlencoded",
    });
    expect(outcome.status).toBe(413);
    expect(outcome.body.message).toContain(`${64 * 1024} bytes`);
  });

  test("maxBodyBytes must be a positive whole number", async () => {
    await expect(startEmulator({ maxBodyBytes: 0 })).rejects.toThrow(/maxBodyBytes must be a positive integer/);
    expect(() => ctx.emu.setOptions({ maxBodyBytes: 1.5 })).toThrow(/maxBodyBytes/);
    const res = await ctx.call("PATCH", "/__emulator/options", { maxBodyBytes: -1 });
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/maxBodyBytes/);
  });
});
