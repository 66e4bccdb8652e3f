// A tiny node:http server (port 0, loopback) whose every answer a test scripts precisely.
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

export type Reply =
  | { status: number; json?: unknown; text?: string; headers?: Record<string, string>; delayMs?: number }
  | "reset";

export type Handler = (req: RecordedRequest, index: number) => Reply | Promise<Reply>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startScriptedServer(handler: Handler): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://x");
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = body ? JSON.parse(body) : undefined;
      } catch {
        json = undefined;
      }
      const rec: RecordedRequest = { method: req.method ?? "", path: url.pathname, query: url.searchParams, headers: req.headers, body, json };
      requests.push(rec);
      const reply = await handler(rec, requests.length - 1);
      if (reply === "reset") {
        req.socket.destroy();
        return;
      }
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (res.destroyed) return;
      const text = reply.text ?? (reply.json === undefined ? "" : JSON.stringify(reply.json));
      res.writeHead(reply.status, { "content-type": reply.text !== undefined ? "text/html" : "application/json", ...reply.headers });
      res.end(text);
    });
  });
  let connections = 0;
  server.on("connection", () => connections++);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A realistic space record as the API returns it. */
export function spaceRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    space_id: "01f165773d141195a9f0e3c5148d22bf",
    title: "Sales",
    warehouse_id: "abcdef0123456789",
    parent_path: "/Users/alice@example.com",
    serialized_space: '{\n  "version": 2,\n  "data_sources": {}\n}\n',
    etag: "1",
    create_time: new Date().toISOString(),
    update_time: new Date().toISOString(),
    ...overrides,
  };
}
