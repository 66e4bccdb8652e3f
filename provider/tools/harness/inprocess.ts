// The fast tier: the dynamic-provider host's request handling (cmd/dynamic-provider/index.js of
// @pulumi/pulumi) played in this process, so tests can drive a provider's source without a child
// process or a build. The Engine drives it exactly as it drives ProviderHost — same protobuf
// requests and responses, serialized to bytes and back as on the wire, same error statuses — and
// the serialized `__provider` text itself is evaluated, with chosen module names (say
// "pulumi-genie/runtime") mapped to modules the caller loaded (say the TypeScript source).
//
// What it cannot show, and ProviderHost does: a fresh process per stack (module state, the
// PULUMI_CONFIG / PULUMI_NODEJS_PROJECT environment), the host's own `require` resolution from
// the program directory, and the compiled package. Keep those contracts on the host tier.
import * as path from "node:path";
import { createRequire } from "node:module";
import { format } from "node:util";
import * as grpc from "@grpc/grpc-js";
import type { Message } from "google-protobuf";
import { Any } from "google-protobuf/google/protobuf/any_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as proto from "@pulumi/pulumi/proto/provider_pb";
import { Status } from "@pulumi/pulumi/proto/status_pb";
import { ProviderPlugin, type CallError, type ProviderTransport } from "./plugin";
import { isSecret, UNKNOWN } from "./values";

// Pulumi's own lookup for `req.config` in a dynamic provider's configure (a key without a
// namespace gets the project's). An SDK internal, pinned by test/harness/sdk-internals.test.ts.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Config } = require("@pulumi/pulumi/cmd/dynamic-provider/config") as {
  Config: new (raw: Record<string, unknown>, project: string) => { get(key: string): unknown; require(key: string): unknown };
};

const PROVIDER_KEY = "__provider";

export interface InProcessProviderOptions {
  /** The Pulumi project (what a configure's `req.config.get("key")` without a namespace reads under). */
  project?: string;
  /** Stack config, fully-qualified keys: sent in Configure, as ProviderHost does. */
  config?: Record<string, string>;
  secretKeys?: string[];
  /**
   * Modules the provider text requires by name, substituted: `{"pulumi-genie/runtime": runtime}`
   * runs the shim against a module the caller loaded (for example the TypeScript source).
   */
  modules?: Record<string, unknown>;
  /** Where any other `require` in the provider text resolves from (the program directory). */
  cwd?: string;
  /** Set in process.env while the provider lives (restored by close()). */
  env?: Record<string, string>;
}

type Handler = (req: Message) => Promise<Message>;

interface DynamicProviderObject {
  configure?(req: { config: unknown }): Promise<void>;
  check?(olds: unknown, news: unknown): Promise<{ inputs?: Record<string, unknown>; failures?: { property: string; reason: string }[] }>;
  diff?(id: string, olds: unknown, news: unknown): Promise<{ changes?: boolean; replaces?: string[]; deleteBeforeReplace?: boolean }>;
  create(inputs: unknown): Promise<{ id: string; outs?: Record<string, unknown> }>;
  read?(id: string, props: unknown): Promise<{ id?: string; props?: Record<string, unknown>; inputs?: Record<string, unknown> }>;
  update?(id: string, olds: unknown, news: unknown): Promise<{ outs?: Record<string, unknown> } | undefined>;
  delete?(id: string, props: unknown): Promise<void>;
}

/** A failure as the host's gRPC server reports it: UNKNOWN status, the error's message as details. */
function statusOf(e: unknown, metadata?: grpc.Metadata): CallError {
  const message = e instanceof Error ? e.message : String(e);
  return { code: grpc.status.UNKNOWN, details: message, message, metadata };
}

/** The host's grpcResponseFromError: an error carrying `id` becomes an ErrorResourceInitFailed detail. */
function createFailure(e: unknown): CallError {
  const err = e as { id?: string; properties?: Record<string, unknown>; reasons?: string[]; message?: string };
  const metadata = new grpc.Metadata();
  if (err && err.id) {
    const detail = new proto.ErrorResourceInitFailed();
    detail.setId(err.id);
    detail.setProperties(Struct.fromJavaScript((err.properties ?? {}) as Parameters<typeof Struct.fromJavaScript>[0]));
    detail.setReasonsList(err.reasons ?? []);
    const any = new Any();
    any.pack(detail.serializeBinary(), "pulumirpc.ErrorResourceInitFailed");
    const status = new Status();
    status.setCode(grpc.status.UNKNOWN);
    status.setMessage(String(err.message));
    status.addDetails(any);
    metadata.add("grpc-status-details-bin", Buffer.from(status.serializeBinary()));
  }
  return statusOf(e, metadata);
}

/** A request's Struct as the host reads it (`toJavaScript()`), an absent one as {}. */
function js(value: Struct | undefined): Record<string, unknown> {
  return (value?.toJavaScript() ?? {}) as Record<string, unknown>;
}

function struct(value: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(value as Parameters<typeof Struct.fromJavaScript>[0]);
}

function withProvider(result: Record<string, unknown> | undefined, props: Record<string, unknown>): Record<string, unknown> {
  return Object.assign(result || {}, { [PROVIDER_KEY]: props[PROVIDER_KEY] });
}

/** Console output of provider code, captured while any provider call is running. */
class ConsoleCapture {
  private active = 0;
  private saved?: Pick<Console, "log" | "info" | "warn" | "error" | "debug">;

  constructor(
    private readonly stdout: string[],
    private readonly stderr: string[],
  ) {}

  async during<T>(work: () => Promise<T>): Promise<T> {
    if (this.active++ === 0) {
      this.saved = { log: console.log, info: console.info, warn: console.warn, error: console.error, debug: console.debug };
      const to = (lines: string[]) => (...args: unknown[]) => lines.push(...format(...args).split("\n"));
      console.log = console.info = console.debug = to(this.stdout);
      console.warn = console.error = to(this.stderr);
    }
    try {
      return await work();
    } finally {
      if (--this.active === 0 && this.saved) Object.assign(console, this.saved);
    }
  }
}

class InProcessHost implements ProviderTransport {
  private config: Record<string, unknown> = {};
  private readonly cache = new Map<string, DynamicProviderObject>();
  private readonly requireFrom: NodeJS.Require;
  private readonly handlers: Record<string, [Handler, { deserializeBinary(b: Uint8Array): Message }]>;

  constructor(
    private readonly opts: InProcessProviderOptions,
    private readonly capture: ConsoleCapture,
  ) {
    this.requireFrom = createRequire(path.join(path.resolve(opts.cwd ?? process.cwd()), "__provider__.js"));
    this.handlers = {
      configure: [(r) => this.configure(r as proto.ConfigureRequest), proto.ConfigureRequest],
      check: [(r) => this.check(r as proto.CheckRequest), proto.CheckRequest],
      diff: [(r) => this.diff(r as proto.DiffRequest), proto.DiffRequest],
      create: [(r) => this.create(r as proto.CreateRequest), proto.CreateRequest],
      read: [(r) => this.read(r as proto.ReadRequest), proto.ReadRequest],
      update: [(r) => this.update(r as proto.UpdateRequest), proto.UpdateRequest],
      delete: [(r) => this.delete(r as proto.DeleteRequest), proto.DeleteRequest],
    };
  }

  async unary(method: string, request: Message): Promise<Message> {
    const entry = this.handlers[method];
    if (!entry) throw { code: grpc.status.UNIMPLEMENTED, details: `${method} is not implemented by the in-process provider` } satisfies CallError;
    const [handler, requestType] = entry;
    // Bytes and back, as over the wire: what cannot travel in a Struct fails here as it would there.
    const response = await this.capture.during(() => handler(requestType.deserializeBinary(request.serializeBinary())));
    return (response.constructor as unknown as { deserializeBinary(b: Uint8Array): Message }).deserializeBinary(response.serializeBinary());
  }

  /** The provider object of a `__provider` text: evaluated once per text, configured once, like the host. */
  private async provider(props: Record<string, unknown>): Promise<DynamicProviderObject> {
    const text = props[PROVIDER_KEY];
    if (typeof text !== "string") throw new Error(`code must be a string, not ${typeof text}`);
    let provider = this.cache.get(text);
    if (!provider) {
      provider = this.load(text);
      // Cached before configure runs, as the host does: a configure that throws fails only this call.
      this.cache.set(text, provider);
      if (provider.configure) await provider.configure({ config: new Config(this.config, this.opts.project ?? "project") });
    }
    return provider;
  }

  private load(text: string): DynamicProviderObject {
    const modules = this.opts.modules ?? {};
    const requireFn = (name: string) => (Object.prototype.hasOwnProperty.call(modules, name) ? modules[name] : this.requireFrom(name));
    const module = { exports: {} as { handler?: () => DynamicProviderObject } };
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    new Function("exports", "require", "module", "__filename", "__dirname", text)(module.exports, requireFn, module, "__provider__.js", ".");
    const handler = module.exports.handler;
    if (typeof handler !== "function") throw new Error("the __provider text exports no handler");
    return handler();
  }

  private async configure(req: proto.ConfigureRequest): Promise<Message> {
    const args = js(req.getArgs());
    const config: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(args)) if (k !== PROVIDER_KEY) config[k] = isSecret(v) ? v.value : v;
    this.config = config;
    const res = new proto.ConfigureResponse();
    res.setAcceptsecrets(false);
    return res;
  }

  private async logged<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      console.error(`${e}: ${(e as Error)?.stack}`);
      throw statusOf(e);
    }
  }

  private check(req: proto.CheckRequest): Promise<Message> {
    return this.logged(async () => {
      const olds = js(req.getOlds());
      const news = js(req.getNews());
      const provider = await this.provider(news[PROVIDER_KEY] === UNKNOWN ? olds : news);
      let inputs = news;
      let failures: { property: string; reason: string }[] = [];
      if (provider.check) {
        const result = await provider.check(olds, news);
        if (result.inputs) inputs = result.inputs;
        if (result.failures) failures = result.failures;
      }
      inputs[PROVIDER_KEY] = news[PROVIDER_KEY];
      const res = new proto.CheckResponse();
      res.setInputs(struct(inputs));
      res.setFailuresList(
        failures.map((f) => {
          const failure = new proto.CheckFailure();
          failure.setProperty(f.property);
          failure.setReason(f.reason);
          return failure;
        }),
      );
      return res;
    });
  }

  private diff(req: proto.DiffRequest): Promise<Message> {
    return this.logged(async () => {
      const olds = js(req.getOlds());
      const news = js(req.getNews());
      const provider = await this.provider(news[PROVIDER_KEY] === UNKNOWN ? olds : news);
      const res = new proto.DiffResponse();
      if (provider.diff) {
        const result = await provider.diff(req.getId(), olds, news);
        const { DIFF_SOME, DIFF_NONE, DIFF_UNKNOWN } = proto.DiffResponse.DiffChanges;
        res.setChanges(result.changes === true ? DIFF_SOME : result.changes === false ? DIFF_NONE : DIFF_UNKNOWN);
        if (result.replaces && result.replaces.length !== 0) res.setReplacesList(result.replaces);
        if (result.deleteBeforeReplace) res.setDeletebeforereplace(result.deleteBeforeReplace);
      }
      return res;
    });
  }

  /** Create and Update fail as the host's grpcResponseFromError reports them (init-failure details, no log). */
  private async initFailing<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw createFailure(e);
    }
  }

  private create(req: proto.CreateRequest): Promise<Message> {
    return this.initFailing(async () => {
      const props = js(req.getProperties());
      const provider = await this.provider(props);
      const result = await provider.create(props);
      const res = new proto.CreateResponse();
      res.setId(result.id);
      res.setProperties(struct(withProvider(result.outs, props)));
      return res;
    });
  }

  private read(req: proto.ReadRequest): Promise<Message> {
    return this.logged(async () => {
      const props = js(req.getProperties());
      const provider = await this.provider(props);
      const res = new proto.ReadResponse();
      if (provider.read) {
        const result = await provider.read(req.getId(), props);
        res.setId(result.id as string);
        res.setProperties(struct(withProvider(result.props, props)));
        if (result.inputs) res.setInputs(struct(withProvider(result.inputs, props)));
      } else {
        res.setId(req.getId());
        res.setProperties(req.getProperties());
      }
      return res;
    });
  }

  private update(req: proto.UpdateRequest): Promise<Message> {
    return this.initFailing(async () => {
      const olds = js(req.getOlds());
      const news = js(req.getNews());
      const provider = await this.provider(news);
      let result: { outs?: Record<string, unknown> } = {};
      if (provider.update) result = (await provider.update(req.getId(), olds, news)) || {};
      const res = new proto.UpdateResponse();
      res.setProperties(struct(withProvider(result.outs, news)));
      return res;
    });
  }

  private delete(req: proto.DeleteRequest): Promise<Message> {
    return this.logged(async () => {
      const props = js(req.getProperties());
      const provider = await this.provider(props);
      if (provider.delete) await provider.delete(req.getId(), props);
      return new Empty();
    });
  }
}

/**
 * A dynamic provider served in this process by a copy of the host's request handling: the fast
 * test tier. Same interface as ProviderHost (an Engine takes either).
 */
export class InProcessProvider extends ProviderPlugin {
  private readonly restoreEnv: Record<string, string | undefined> = {};

  private constructor(opts: InProcessProviderOptions) {
    super();
    this.transport = new InProcessHost(opts, new ConsoleCapture(this.stdout, this.stderr));
    for (const [key, value] of Object.entries(opts.env ?? {})) {
      this.restoreEnv[key] = process.env[key];
      process.env[key] = value;
    }
  }

  static async start(opts: InProcessProviderOptions = {}): Promise<InProcessProvider> {
    const provider = new InProcessProvider(opts);
    await provider.configure(opts.config ?? {}, opts.secretKeys);
    return provider;
  }

  /**
   * A provider in this process cannot be killed the way a host process is (its code would go on
   * running): tests of interrupted runs belong on ProviderHost.
   */
  kill(_signal?: NodeJS.Signals): Promise<void> {
    return Promise.reject(new Error("an InProcessProvider runs in this process and cannot be killed: run interrupted-run tests through ProviderHost"));
  }

  async close(): Promise<void> {
    for (const [key, value] of Object.entries(this.restoreEnv)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}
