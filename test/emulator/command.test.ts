import { Command } from "commander";
import { RunningEmulator, registerEmulatorCommand, runEmulator } from "../../provider/tools/emulator";

function program(io: Parameters<typeof registerEmulatorCommand>[1]) {
  const p = new Command("pulumi-genie").exitOverride();
  registerEmulatorCommand(p, io);
  return p;
}

describe("emulator command", () => {
  test("runEmulator prints GENIE_EMULATOR_URL and GENIE_EMULATOR_TOKEN as the first two lines, then logs requests", async () => {
    const lines: string[] = [];
    const running = await runEmulator({ token: "dapi00000000000000000000000000000001" }, (l) => lines.push(l));
    try {
      expect(lines[0]).toMatch(/^GENIE_EMULATOR_URL=http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines[1]).toBe("GENIE_EMULATOR_TOKEN=dapi00000000000000000000000000000001");
      const url = lines[0].split("=")[1];
      const res = await fetch(`${url}/api/2.0/genie/spaces`, { headers: { Authorization: "Bearer dapi00000000000000000000000000000001" } });
      expect(res.status).toBe(200);
      expect(lines[lines.length - 1]).toMatch(/^GET \/api\/2\.0\/genie\/spaces 200 \d+ms$/);
      expect(lines.slice(2).join("\n")).not.toContain("dapi00000000000000000000000000000001");
    } finally {
      await running.close();
    }
  });

  test("flags reach the emulator (token, lenient, faults, folders)", async () => {
    const lines: string[] = [];
    let running: RunningEmulator | undefined;
    await program({ write: (l) => lines.push(l), onStarted: (r) => (running = r), waitForSignal: false }).parseAsync(
      ["emulator", "--port", "0", "--token", "dapi-cli-token", "--lenient", "--faults", "GET:503::1", "--folder", "/Shared/x"],
      { from: "user" },
    );
    try {
      expect(lines[1]).toBe("GENIE_EMULATOR_TOKEN=dapi-cli-token");
      const url = running!.handle.url;
      const auth = { Authorization: "Bearer dapi-cli-token", "Content-Type": "application/json" };
      expect((await fetch(`${url}/api/2.0/genie/spaces`, { headers: auth })).status).toBe(503);
      const created = await fetch(`${url}/api/2.0/genie/spaces`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ warehouse_id: "w", serialized_space: "{\"version\": 9, \"anything\": true}", parent_path: "/Shared/x" }),
      });
      expect(created.status).toBe(200);
    } finally {
      await running?.close();
    }
  });

  test("--max-body-bytes caps request bodies (413); it must be a positive whole number", async () => {
    let running: RunningEmulator | undefined;
    await program({ write: () => undefined, onStarted: (r) => (running = r), waitForSignal: false }).parseAsync(
      ["emulator", "--token", "dapi-cli-token", "--max-body-bytes", "100"],
      { from: "user" },
    );
    try {
      const post = (body: string) =>
        fetch(`${running!.handle.url}/api/2.0/genie/spaces`, { method: "POST", headers: { Authorization: "Bearer dapi-cli-token" }, body });
      const over = await post(JSON.stringify({ warehouse_id: "w", serialized_space: "x".repeat(100) }));
      expect(over.status).toBe(413);
      expect(((await over.json()) as { error_code: string }).error_code).toBe("REQUEST_ENTITY_TOO_LARGE");
      expect((await post("{}")).status).toBe(400); // read, then refused by validation
    } finally {
      await running?.close();
    }
    let err = "";
    const p = program({ waitForSignal: false }).configureOutput({ writeErr: (s) => (err += s) });
    for (const c of p.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s) });
    await expect(p.parseAsync(["emulator", "--max-body-bytes", "0"], { from: "user" })).rejects.toThrow();
    expect(err).toContain("expected a positive whole number");
  });

  test("the command runs until SIGINT, then closes the server", async () => {
    let running: RunningEmulator | undefined;
    const lines: string[] = [];
    const done = program({ write: (l) => lines.push(l), onStarted: (r) => (running = r) }).parseAsync(["emulator"], { from: "user" });
    while (!running) await new Promise((r) => setTimeout(r, 5));
    const url = running.handle.url;
    process.emit("SIGINT");
    await done;
    expect(lines[lines.length - 1]).toContain("stopped");
    await expect(fetch(`${url}/api/2.0/genie/spaces`)).rejects.toThrow();
  });

  test("--help documents the fault spec syntax and control endpoints", async () => {
    let out = "";
    const p = program({}).configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    for (const c of p.commands) c.exitOverride().configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
    await expect(p.parseAsync(["emulator", "--help"], { from: "user" })).rejects.toThrow();
    expect(out).toContain("METHOD[@PATH]:KIND[=ARG][:PROBABILITY[:TIMES]]");
    expect(out).toContain("reset-after-commit");
    expect(out).toContain("slow-commit=<commit ms>/<answer ms>");
    expect(out).toContain("commit-then-hang");
    expect(out).toContain("/__emulator/reset");
    expect(out).toContain("--rate-limit");
    expect(out).toContain("--max-body-bytes");
  });

  test("a bad fault spec is refused before anything starts", async () => {
    let err = "";
    const p = program({ waitForSignal: false }).configureOutput({ writeErr: (s) => (err += s) });
    for (const c of p.commands) c.exitOverride().configureOutput({ writeErr: (s) => (err += s) });
    await expect(p.parseAsync(["emulator", "--faults", "POST:teapot"], { from: "user" })).rejects.toThrow();
    expect(err).toContain("invalid fault rule 'POST:teapot'");
  });
});
