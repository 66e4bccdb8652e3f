// The REAL dynamic-provider host from @pulumi/pulumi, run as a child process and driven over gRPC
// exactly as the engine's `pulumi-resource-pulumi-nodejs` shim runs it
// (docs/dynamic-providers.md §1.3, §4.2–4.3).
import { ChildProcess, spawn } from "node:child_process";
import * as readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import type { Message } from "google-protobuf";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import { ProviderPlugin, type ProviderTransport } from "./plugin";
import { providerEnvironmentConfig } from "./provider";

export { HostError } from "./provider";
export type { CheckResult, DiffResult, ReadResult } from "./provider";

export interface ProviderHostOptions {
  /** Where the host runs (the program directory); packages required by `__provider` resolve from here. */
  cwd?: string;
  /**
   * The Pulumi project. The engine gives it to the provider process (PULUMI_NODEJS_PROJECT), so a
   * provider's `req.config.get("key")` without a namespace reads `<project>:key`. Default "project".
   */
  project?: string;
  /**
   * Stack config, fully-qualified keys ("ns:key"). All of it goes to Configure; only the
   * `pulumi-nodejs:*` keys, without the namespace, go to PULUMI_CONFIG (as the engine splits it).
   */
  config?: Record<string, string>;
  /** Config keys whose values are secret (sent marked secret in Configure, as the engine does). */
  secretKeys?: string[];
  /** Extra environment for the provider process (wins over what the harness sets). */
  env?: Record<string, string>;
}

function hostScript(cwd: string): string {
  // Resolve from the program directory first, as the shim does; fall back to the harness's own copy.
  try {
    return require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [cwd] });
  } catch {
    return require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
  }
}

/**
 * Loaded into the host process before Pulumi's script (`--import`): the harness holds the other end
 * of the child's stdin, so end-of-file there means the harness is gone — by close(), a crash or a
 * SIGKILL — and the host exits with it instead of lingering as an orphan. The engine ties its
 * plugins' lifetime to its own the same way (it kills them when it exits).
 */
const EXIT_WITH_PARENT = `data:text/javascript,${encodeURIComponent(
  'process.stdin.on("end",()=>process.exit(0));process.stdin.on("error",()=>process.exit(0));process.stdin.resume();process.stdin.unref();',
)}`;
/** `--import` arrived in Node 20.6; on older 20.x the host runs without the exit-with-parent guard. */
const [NODE_MAJOR = 0, NODE_MINOR = 0] = process.versions.node.split(".").map(Number);
const PRELOAD = NODE_MAJOR > 20 || (NODE_MAJOR === 20 && NODE_MINOR >= 6) ? ["--import", EXIT_WITH_PARENT] : [];

class GrpcTransport implements ProviderTransport {
  constructor(private readonly client: ResourceProviderClient) {}

  unary(method: string, request: Message): Promise<Message> {
    const fn = (this.client as unknown as Record<string, Function>)[method].bind(this.client);
    return new Promise((resolve, reject) => fn(request, (err: grpc.ServiceError | null, res: Message) => (err ? reject(err) : resolve(res))));
  }
}

export class ProviderHost extends ProviderPlugin {
  private readonly exited: Promise<void>;
  /** How the host process ended: its exit code, or the signal that killed it. */
  exitStatus?: { code: number | null; signal: NodeJS.Signals | null };

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: ResourceProviderClient,
  ) {
    super();
    this.transport = new GrpcTransport(client);
    this.exited = new Promise((resolve) =>
      child.once("exit", (code, signal) => {
        this.exitStatus = { code, signal };
        resolve();
      }),
    );
  }

  /** The host process id (for tests that watch the process itself). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  static async start(opts: ProviderHostOptions = {}): Promise<ProviderHost> {
    const cwd = opts.cwd ?? process.cwd();
    const config = opts.config ?? {};
    const project = opts.project ?? "project";
    // The shim runs `node <dynamic-provider> <engine address>`; the 3.2xx host never dials the
    // engine, so any address will do.
    const child = spawn(process.execPath, [...PRELOAD, hostScript(cwd), "127.0.0.1:1"], {
      cwd,
      env: {
        ...process.env,
        // What the engine adds to the plugin's environment (pkg/resource/plugin/provider_plugin.go
        // NewProvider): the project, twice, and the provider package's own config.
        PULUMI_NODEJS_PROJECT: project,
        PULUMI_PROJECT: project,
        PULUMI_CONFIG: JSON.stringify(providerEnvironmentConfig(config)),
        ...opts.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    // Our end of the child's stdin must not keep this process alive.
    (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
    let port: Awaited<ReturnType<typeof readPort>>;
    try {
      port = await readPort(child);
    } catch (e) {
      child.kill("SIGKILL");
      throw e;
    }
    const client = new ResourceProviderClient(`127.0.0.1:${port.value}`, grpc.credentials.createInsecure());
    const host = new ProviderHost(child, client);
    port.attach(host.stdout, host.stderr);
    try {
      await host.configure(config, opts.secretKeys);
    } catch (e) {
      await host.close();
      throw e;
    }
    return host;
  }

  protected override async describeFailure(method: string, message: string): Promise<string> {
    // A call cut off by the host's death fails with UNAVAILABLE before the exit event lands: give
    // the exit a moment so the error can say what happened to the process.
    if (!this.exitStatus) await Promise.race([this.exited, new Promise((r) => setTimeout(r, 200))]);
    if (!this.exitStatus) return message;
    const how = this.exitStatus.signal ? `was killed by ${this.exitStatus.signal}` : `exited with code ${this.exitStatus.code}`;
    return `the provider host ${how}; ${method} did not complete (${message})`;
  }

  /**
   * Ends the host process with `signal` (default SIGKILL), as a cancelled CI job or an
   * out-of-memory kill would, without closing anything first, and waits for it to end. Calls in
   * flight fail with a HostError saying the host was killed; later calls fail the same way; the
   * host cannot be used again (close() is still safe).
   */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
  }

  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }
}

/**
 * The host prints its port as the first stdout line; everything after is provider output, which
 * `attach` routes into the host's line buffers (lines before that are kept and moved over).
 */
const PORT_TIMEOUT_MS = 60_000;

async function readPort(child: ChildProcess): Promise<{ value: number; attach(stdout: string[], stderr: string[]): void }> {
  const early = { stdout: [] as string[], stderr: [] as string[] };
  let sinks = early;
  readline.createInterface({ input: child.stderr! }).on("line", (line) => sinks.stderr.push(line));
  const value = await new Promise<number>((resolve, reject) => {
    let port: number | undefined;
    readline.createInterface({ input: child.stdout! }).on("line", (line) => {
      if (port !== undefined) {
        sinks.stdout.push(line);
        return;
      }
      port = Number(line.trim());
      if (Number.isInteger(port) && port > 0) resolve(port);
      else reject(new Error(`dynamic-provider host printed ${JSON.stringify(line)} instead of its port`));
    });
    child.once("error", reject);
    // A host that neither prints its port nor exits is not waited on forever.
    const stalled = setTimeout(() => reject(new Error(`dynamic-provider host printed no port within ${PORT_TIMEOUT_MS / 1000} s: ${early.stderr.join("\n")}`)), PORT_TIMEOUT_MS);
    stalled.unref();
    child.stdout!.once("data", () => clearTimeout(stalled));
    child.once("exit", (code) => {
      clearTimeout(stalled);
      if (port === undefined) {
        reject(new Error(`dynamic-provider host exited (code ${code}) before printing its port: ${early.stderr.join("\n")}`));
      }
    });
  });
  return {
    value,
    attach(stdout, stderr) {
      stdout.push(...early.stdout);
      stderr.push(...early.stderr);
      sinks = { stdout, stderr };
    },
  };
}
