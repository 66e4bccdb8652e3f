import { EmulatorHandle, EmulatorOptions, startEmulator } from "../../provider/tools/emulator";

import { V1_TEXT, V2_TEXT } from "../fixtures";

export { V1_TEXT, V2_TEXT };
export const v2Example = (): Record<string, any> => JSON.parse(V2_TEXT);
export const v1Example = (): Record<string, any> => JSON.parse(V1_TEXT);

export interface ApiResult {
  status: number;
  body: any;
  headers: Headers;
}

/** A thin fetch wrapper speaking to one emulator, with its token unless told otherwise. */
export function client(emu: EmulatorHandle) {
  return async function call(
    method: string,
    path: string,
    body?: unknown,
    opts: { token?: string | null; headers?: Record<string, string> } = {},
  ): Promise<ApiResult> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? emu.token : opts.token;
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${emu.url}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep raw text (HTML faults)
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
}

/** Start an emulator for a describe block; closed after all tests, reset before each. */
export function useEmulator(options: EmulatorOptions = {}) {
  const ctx = {} as { emu: EmulatorHandle; call: ReturnType<typeof client> };
  beforeAll(async () => {
    ctx.emu = await startEmulator(options);
    ctx.call = client(ctx.emu);
  });
  beforeEach(() => ctx.emu.reset());
  afterAll(async () => {
    await ctx.emu.close();
  });
  return ctx;
}

export const createBody = (overrides: Record<string, unknown> = {}) => ({
  warehouse_id: "abcdef0123456789",
  title: "Retail Genie",
  serialized_space: V2_TEXT,
  ...overrides,
});

export const hexId = (n: number) => n.toString(16).padStart(32, "0");
