// The REAL dynamic-provider host from @pulumi/pulumi, run as a child process and driven over gRPC
// exactly as the engine's `pulumi-resource-pulumi-nodejs` shim runs it
// (docs/dynamic-providers.md §1.3, §4.2–4.3).
import { ChildProcess, spawn } from "node:child_process";
import * as readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { Props, fromStruct, toStruct } from "./values";

// Type URL the host packs into the status details (cmd/dynamic-provider/index.js grpcResponseFromError).
const INIT_FAILED_TYPE = "pulumirpc.ErrorResourceInitFailed";

/**
 * An error a provider method raised, as the engine sees it. When `create`/`update` threw an error
 * carrying `id` (the object exists but a later step failed), the host sends an
 * ErrorResourceInitFailed detail: `id`, `outputs` and `reasons` come from it.
 */
export class HostError extends Error {
  constructor(
    readonly method: string,
    message: string,
    readonly code: number,
    readonly id?: string,
    readonly outputs?: Props,
    readonly reasons: string[] = [],
  ) {
    super(message);
    this.name = "HostError";
  }
}

export interface ProviderHostOptions {
  /** Where the host runs (the program directory); packages required by `__provider` resolve from here. */
  cwd?: string;
  /** Stack config, fully-qualified keys ("ns:key"): sent in Configure and as PULUMI_CONFIG. */
  config?: Record<string, string>;
  env?: Record<string, string>;
}

export interface CheckResult {
  inputs: Props;
  failures: { property: string; reason: string }[];
}

export interface DiffResult {
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  /** The provider had no diff method (DIFF_UNKNOWN): the engine must compare inputs itself. */
  unknown: boolean;
}

function hostScript(cwd: string): string {
  // Resolve from the program directory first, as the shim does; fall back to the harness's own copy.
  try {
    return require.resolve("@pulumi/pulumi/cmd/dynamic-provider", { paths: [cwd] });
  } catch {
    return require.resolve("@pulumi/pulumi/cmd/dynamic-provider");
  }
}

function decodeInitFailure(err: grpc.ServiceError): { id: string; outputs: Props; reasons: string[] } | undefined {
  const raw = err.metadata?.get("grpc-status-details-bin") ?? [];
  for (const value of raw) {
    const bytes = typeof value === "string" ? Buffer.from(value, "base64") : value;
    const status = Status.deserializeBinary(new Uint8Array(bytes));
    for (const any of status.getDetailsList()) {
      if (any.getTypeName() !== INIT_FAILED_TYPE) continue;
      const detail = proto.ErrorResourceInitFailed.deserializeBinary(any.getValue_asU8());
      return { id: detail.getId(), outputs: fromStruct(detail.getProperties()), reasons: detail.getReasonsList() };
    }
  }
  return undefined;
}

export class ProviderHost {
  readonly stdout: string[] = [];
  readonly stderr: string[] = [];
  private client!: ResourceProviderClient;
  private exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly config: Record<string, string>,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
  }

  static async start(opts: ProviderHostOptions = {}): Promise<ProviderHost> {
    const cwd = opts.cwd ?? process.cwd();
    const config = opts.config ?? {};
    const child = spawn(process.execPath, [hostScript(cwd), "127.0.0.1:1"], {
      cwd,
      env: { ...process.env, PULUMI_CONFIG: JSON.stringify(config), ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const host = new ProviderHost(child, config);
    const port = await host.readPort();
    host.client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    try {
      await host.configure();
    } catch (e) {
      await host.close();
      throw e;
    }
    return host;
  }

  /** The host prints its port as the first stdout line; everything after is provider output. */
  private readPort(): Promise<number> {
    return new Promise((resolve, reject) => {
      let port: number | undefined;
      readline.createInterface({ input: this.child.stderr! }).on("line", (line) => this.stderr.push(line));
      readline.createInterface({ input: this.child.stdout! }).on("line", (line) => {
        if (port !== undefined) {
          this.stdout.push(line);
          return;
        }
        port = Number(line.trim());
        if (Number.isInteger(port) && port > 0) resolve(port);
        else reject(new Error(`dynamic-provider host printed ${JSON.stringify(line)} instead of its port`));
      });
      this.child.once("error", reject);
      this.child.once("exit", (code) => {
        if (port === undefined) {
          reject(new Error(`dynamic-provider host exited (code ${code}) before printing its port: ${this.stderr.join("\n")}`));
        }
      });
    });
  }

  private call<Req, Res>(method: string, request: Req): Promise<Res> {
    const fn = (this.client as unknown as Record<string, Function>)[method].bind(this.client);
    return new Promise((resolve, reject) => {
      fn(request, (err: grpc.ServiceError | null, res: Res) => {
        if (!err) return resolve(res);
        const failure = decodeInitFailure(err);
        reject(new HostError(method, err.details || err.message, err.code, failure?.id, failure?.outputs, failure?.reasons));
      });
    });
  }

  /**
   * Configure, as the engine sends it to the pulumi-nodejs provider: the whole stack config.
   * The 3.248 host reads only `args` (a Struct) and looks keys up verbatim with
   * `req.config.get("ns:key")`; `variables` ("ns:config:key") is sent too, as the engine does.
   */
  async configure(): Promise<void> {
    const req = new proto.ConfigureRequest();
    req.setArgs(toStruct(this.config));
    const variables = req.getVariablesMap();
    for (const [key, value] of Object.entries(this.config)) {
      const i = key.indexOf(":");
      variables.set(i < 0 ? key : `${key.slice(0, i)}:config:${key.slice(i + 1)}`, value);
    }
    req.setAcceptsecrets(true);
    req.setAcceptresources(true);
    await this.call<proto.ConfigureRequest, proto.ConfigureResponse>("configure", req);
  }

  async check(urn: string, olds: Props, news: Props): Promise<CheckResult> {
    const req = new proto.CheckRequest();
    req.setUrn(urn);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    const res = await this.call<proto.CheckRequest, proto.CheckResponse>("check", req);
    return {
      inputs: fromStruct(res.getInputs()),
      failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
    };
  }

  async diff(id: string, urn: string, olds: Props, news: Props): Promise<DiffResult> {
    const req = new proto.DiffRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    const res = await this.call<proto.DiffRequest, proto.DiffResponse>("diff", req);
    const changes = res.getChanges();
    return {
      changes: changes === proto.DiffResponse.DiffChanges.DIFF_SOME,
      replaces: res.getReplacesList(),
      deleteBeforeReplace: res.getDeletebeforereplace(),
      unknown: changes === proto.DiffResponse.DiffChanges.DIFF_UNKNOWN,
    };
  }

  async create(urn: string, props: Props): Promise<{ id: string; outputs: Props }> {
    const req = new proto.CreateRequest();
    req.setUrn(urn);
    req.setProperties(toStruct(props));
    const res = await this.call<proto.CreateRequest, proto.CreateResponse>("create", req);
    return { id: res.getId(), outputs: fromStruct(res.getProperties()) };
  }

  /** `id` is "" when the provider reported the object gone. `inputs` is {} when it returned none. */
  async read(id: string, urn: string, props: Props, inputs: Props): Promise<{ id: string; outputs: Props; inputs: Props }> {
    const req = new proto.ReadRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(toStruct(props));
    req.setInputs(toStruct(inputs));
    const res = await this.call<proto.ReadRequest, proto.ReadResponse>("read", req);
    return { id: res.getId(), outputs: fromStruct(res.getProperties()), inputs: fromStruct(res.getInputs()) };
  }

  async update(id: string, urn: string, olds: Props, news: Props): Promise<Props> {
    const req = new proto.UpdateRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(toStruct(olds));
    req.setNews(toStruct(news));
    const res = await this.call<proto.UpdateRequest, proto.UpdateResponse>("update", req);
    return fromStruct(res.getProperties());
  }

  async delete(id: string, urn: string, props: Props): Promise<void> {
    const req = new proto.DeleteRequest();
    req.setId(id);
    req.setUrn(urn);
    req.setProperties(toStruct(props));
    await this.call<proto.DeleteRequest, unknown>("delete", req);
  }

  /**
   * The first captured line of `stream` matching `match`. Output reaches us through a pipe, not
   * the gRPC reply, so a line may land shortly after the call that printed it returned.
   */
  async waitForLine(stream: "stdout" | "stderr", match: string | RegExp, timeoutMs = 2000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const test = (line: string) => (typeof match === "string" ? line.includes(match) : match.test(line));
    for (;;) {
      const line = this[stream].find(test);
      if (line !== undefined) return line;
      if (Date.now() > deadline) throw new Error(`no ${stream} line matching ${match} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * Ends the host process with `signal`, as a cancelled CI job or an out-of-memory kill would,
   * without closing anything first. Calls in flight fail; the host cannot be used afterwards.
   */
  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    await this.exited;
    this.client?.close();
  }

  async close(): Promise<void> {
    this.client?.close();
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGTERM");
    await this.exited;
  }
}

