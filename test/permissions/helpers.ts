/** Shared set-up for the permissions tests: an emulator with a space, and a fetch helper. */
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from "../../provider/tools/emulator";

export const ACL = "/api/2.0/permissions/genie";
export const DEV = "dev@example.com";

export interface ApiResult {
  status: number;
  body: any;
}

export function caller(emu: EmulatorHandle) {
  return async (method: string, path: string, body?: unknown, token: string = emu.token): Promise<ApiResult> => {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(`${emu.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** A space made in the UI by the emulator's user (so that user holds its direct CAN_MANAGE). */
export function uiSpace(emu: EmulatorHandle, title = "Sales", parentPath?: string): string {
  const serialized = JSON.stringify({ version: 2, config: { sample_questions: [{ id: "0".repeat(31) + "1", question: ["How many orders?"] }] } });
  return emu.spaces.uiCreate({ title, warehouse_id: "wh1", serialized_space: serialized, ...(parentPath ? { parent_path: parentPath } : {}) }).space_id;
}

/** Direct grants as "kind:name=LEVEL", sorted, for compact assertions. */
export function directOf(emu: EmulatorHandle, spaceId: string): string[] {
  return emu.permissions.direct(spaceId).map(({ principal, level }) => {
    const [kind, name] = Object.entries(principal)[0];
    return `${kind}:${name}=${level}`;
  });
}

export function useEmulator(options: EmulatorOptions = {}) {
  const ctx = {} as { emu: EmulatorHandle; call: ReturnType<typeof caller> };
  beforeAll(async () => {
    ctx.emu = await startEmulator(options);
    ctx.call = caller(ctx.emu);
  });
  beforeEach(() => ctx.emu.reset());
  afterAll(async () => {
    await ctx.emu.close();
  });
  return ctx;
}
