// Runs a Pulumi program the way `pulumi up` does, under Pulumi's own Node.js language runtime,
// against a resource monitor and an engine service this module serves over gRPC
// (docs/harness.md): registration, serialization, secrets, dependencies and stack outputs all go
// through the SDK's own code.
//
// - A project folder runs in a child process: `node <@pulumi/pulumi/cmd/run> --monitor … --engine …
//   --project … --stack … --pwd … <entry>` with PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS, the
//   command line and environment the Node.js language host (pulumi-language-nodejs) builds.
// - A function runs in this process the way the Automation API runs an inline program: Pulumi's
//   LanguageServer (`@pulumi/pulumi/automation/server`) serves the LanguageRuntime service and the
//   harness calls its Run, as the CLI does for `LocalWorkspace` inline programs. That is the SDK's
//   own in-process path (settings reset per run, config set, `runInPulumiStack`, disconnect) and it
//   lets a test's program use the test's own classes and closures.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as readline from "node:readline";
import * as grpc from "@grpc/grpc-js";
import type { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { parse as parseYaml } from "yaml";
import * as engrpc from "@pulumi/pulumi/proto/engine_grpc_pb";
import * as engproto from "@pulumi/pulumi/proto/engine_pb";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import * as langproto from "@pulumi/pulumi/proto/language_pb";
import * as resrpc from "@pulumi/pulumi/proto/resource_grpc_pb";
import * as resproto from "@pulumi/pulumi/proto/resource_pb";
import { DYNAMIC_PROVIDER_PACKAGE } from "./provider";
import { type Props, fromWireStruct, plainProps, secretPaths, toWireStruct } from "./values";

/** A program: a function run in this process, or a Pulumi project folder (its Pulumi.yaml `main`). */
export type Program = (() => unknown) | { dir: string };

export interface RunOptions {
  /** Default: the project folder's Pulumi.yaml name, else "project". */
  project?: string;
  stack?: string;
  /** Stack config, fully-qualified keys ("ns:key"); objects as JSON text, as the engine passes them. */
  config?: Record<string, string>;
  /** Config keys whose values are secret (`pulumi config set --secret`). */
  secretKeys?: string[];
  /** A preview (`--dry-run`): unknown values stay unknown. */
  preview?: boolean;
  organization?: string;
  /**
   * Cancels the run, as the engine cancels a deployment whose step failed: registrations still to
   * come are refused, and a program in a child process is interrupted (SIGINT, then SIGKILL after
   * 5 s, as the Node.js language host stops its child).
   */
  signal?: AbortSignal;
}

export interface ResourceOptions {
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
  additionalSecretOutputs?: string[];
}

/** A dynamic resource as the program registered it with the engine. */
export interface DeclaredResource {
  urn: string;
  type: string;
  name: string;
  /** Plain JSON including the "__provider" string; secret wrappers removed (see secretInputs); unknowns are UNKNOWN. */
  inputs: Props;
  /** Property paths of `inputs` the program marked secret (e.g. "__provider" when the provider captured a secret). */
  secretInputs?: string[];
  options: ResourceOptions;
  /** URNs this resource depends on (dependsOn and inputs from other resources). */
  dependencies?: string[];
  /** The parent's URN (the stack's, unless the program gave a parent). */
  parent?: string;
}

/** How the engine answers a registration: the resource's id ("" = unknown in a preview) and outputs (wire JSON). */
export interface RegistrationAnswer {
  id: string;
  outputs: Props;
}

export interface Diagnostic {
  /** Debug messages are not kept (the CLI shows them only with --debug). */
  severity: "info" | "warning" | "error";
  message: string;
  urn?: string;
}

export interface ProgramRun {
  /** The stack outputs the program registered, plain (see secretOutputs). */
  outputs: Props;
  /** Property paths of `outputs` that are secret. */
  secretOutputs: string[];
  /** The dynamic resources the program registered, in the order the engine received them. */
  resources: DeclaredResource[];
  /** What the program logged through the engine (pulumi.log, warnings, errors). */
  diagnostics: Diagnostic[];
  /** Output of a program run as a child process (empty for an in-process program). */
  stdout: string[];
  stderr: string[];
  /** Why the program failed; undefined when it succeeded. */
  error?: string;
}

const STACK_TYPE = "pulumi:pulumi:Stack";
const DYNAMIC_TYPE_PREFIX = `${DYNAMIC_PROVIDER_PACKAGE}:dynamic`;
const SEVERITIES = ["debug", "info", "warning", "error"] as const; // engine.proto LogSeverity order

/**
 * The engine's URN rule (resource.NewURN as the step generator calls it): the type is qualified by
 * the parent's type chain, except that the root stack's type is left out.
 */
function urnOf(stack: string, project: string, parent: string, type: string, name: string): string {
  const parentType = parent ? parent.split("::")[2] : "";
  const qualified = parentType && parentType !== STACK_TYPE ? `${parentType}$${type}` : type;
  return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

function optionsOf(req: resproto.RegisterResourceRequest): ResourceOptions {
  const options: ResourceOptions = {};
  if (req.hasProtect?.() ?? req.getProtect()) options.protect = !!req.getProtect();
  if (req.hasRetainondelete?.() ?? req.getRetainondelete()) options.retainOnDelete = !!req.getRetainondelete();
  if (req.getDeletebeforereplacedefined()) options.deleteBeforeReplace = req.getDeletebeforereplace();
  const ignore = req.getIgnorechangesList();
  if (ignore.length > 0) options.ignoreChanges = [...ignore];
  const secretOutputs = req.getAdditionalsecretoutputsList();
  if (secretOutputs.length > 0) options.additionalSecretOutputs = [...secretOutputs];
  return options;
}

type Callback<T> = (err: Partial<grpc.ServiceError> | null, res?: T) => void;
type Call<T> = { request: T };

function unimplemented(what: string): Partial<grpc.ServiceError> {
  return { code: grpc.status.UNIMPLEMENTED, details: `${what} is not supported by the engine harness` };
}

interface MonitorState {
  project: string;
  stack: string;
  signal?: AbortSignal;
  register: (r: DeclaredResource) => Promise<RegistrationAnswer>;
  resources: DeclaredResource[];
  diagnostics: Diagnostic[];
  urns: Set<string>;
  root?: string;
  outputs?: Props;
}

/** The ResourceMonitor and Engine services a program's SDK talks to, on one gRPC server. */
function monitorServices(state: MonitorState) {
  const monitor = {
    supportsFeature(call: Call<resproto.SupportsFeatureRequest>, cb: Callback<resproto.SupportsFeatureResponse>) {
      // Secrets travel marked; resource references are left to the SDK (it sends a resource's id or
      // URN, which is what the engine hands a provider that does not accept references).
      const res = new resproto.SupportsFeatureResponse();
      res.setHassupport(["secrets", "deletedWith", "aliasSpecs"].includes(call.request.getId()));
      cb(null, res);
    },
    registerResource(call: Call<resproto.RegisterResourceRequest>, cb: Callback<resproto.RegisterResourceResponse>) {
      const req = call.request;
      const type = req.getType();
      const parent = req.getParent();
      const urn = urnOf(state.stack, state.project, parent, type, req.getName());
      if (state.urns.has(urn)) {
        cb({ code: grpc.status.INVALID_ARGUMENT, details: `Duplicate resource URN '${urn}'; try giving it a unique name` });
        return;
      }
      state.urns.add(urn);
      const res = new resproto.RegisterResourceResponse();
      res.setUrn(urn);
      if (type === STACK_TYPE && !parent) state.root = urn;
      if (!req.getCustom()) {
        cb(null, res);
        return;
      }
      const inputs = fromWireStruct(req.getObject());
      const declared: DeclaredResource = {
        urn,
        type,
        name: req.getName(),
        inputs: plainProps(inputs),
        options: optionsOf(req),
        ...(secretPaths(inputs).length > 0 ? { secretInputs: secretPaths(inputs) } : {}),
        ...(req.getDependenciesList().length > 0 ? { dependencies: [...req.getDependenciesList()] } : {}),
        ...(parent ? { parent } : {}),
      };
      if (state.signal?.aborted) {
        cb({ code: grpc.status.UNAVAILABLE, details: "the resource monitor was shut down: the deployment was canceled after a step failed" });
        return;
      }
      const answer = type.startsWith(DYNAMIC_TYPE_PREFIX)
        ? (state.resources.push(declared), state.register(declared))
        : // Only dynamic resources are driven; another provider's resource gets its inputs back.
          Promise.resolve({ id: `${declared.name}-id`, outputs: inputs });
      answer.then(
        ({ id, outputs }) => {
          res.setId(id);
          res.setObject(toWireStruct(outputs) as Struct);
          cb(null, res);
        },
        (e: unknown) => cb({ code: grpc.status.UNKNOWN, details: e instanceof Error ? e.message : String(e) }),
      );
    },
    registerResourceOutputs(call: Call<resproto.RegisterResourceOutputsRequest>, cb: Callback<Empty>) {
      if (call.request.getUrn() === state.root) state.outputs = fromWireStruct(call.request.getOutputs());
      cb(null, new Empty());
    },
    readResource(_call: unknown, cb: Callback<never>) {
      cb(unimplemented("reading an existing resource (Resource.get; dynamic providers cannot import)"));
    },
    invoke(call: Call<resproto.ResourceInvokeRequest>, cb: Callback<never>) {
      cb(unimplemented(`invoke ${call.request.getTok()}`));
    },
    call(_call: unknown, cb: Callback<never>) {
      cb(unimplemented("calling a component method"));
    },
    signalAndWaitForShutdown(_call: unknown, cb: Callback<Empty>) {
      // Every registration was answered after its step finished; deletes come after the run.
      cb(null, new Empty());
    },
  };
  const engine = {
    log(call: Call<engproto.LogRequest>, cb: Callback<Empty>) {
      const req = call.request;
      const severity = SEVERITIES[req.getSeverity()] ?? "info";
      // Debug messages (the SDK logs every RPC) are shown by the CLI only with --debug: not kept.
      if (severity !== "debug") state.diagnostics.push({ severity, message: req.getMessage(), ...(req.getUrn() ? { urn: req.getUrn() } : {}) });
      cb(null, new Empty());
    },
    getRootResource(_call: unknown, cb: Callback<engproto.GetRootResourceResponse>) {
      const res = new engproto.GetRootResourceResponse();
      res.setUrn(state.root ?? "");
      cb(null, res);
    },
    setRootResource(call: Call<engproto.SetRootResourceRequest>, cb: Callback<engproto.SetRootResourceResponse>) {
      state.root = call.request.getUrn();
      cb(null, new engproto.SetRootResourceResponse());
    },
    requirePulumiVersion(_call: unknown, cb: Callback<Empty>) {
      cb(null, new Empty());
    },
  };
  return { monitor, engine };
}

async function listen(add: (server: grpc.Server) => void): Promise<{ server: grpc.Server; address: string }> {
  const server = new grpc.Server();
  add(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return { server, address: `127.0.0.1:${port}` };
}

function shutdown(server: grpc.Server): Promise<void> {
  return new Promise((resolve) => server.tryShutdown(() => resolve()));
}

interface ProjectFile {
  name?: string;
  main?: string;
  runtime?: string | { name?: string; options?: { typescript?: boolean; tsconfig?: string; nodeargs?: string } };
}

/** A Pulumi project folder as the CLI reads it: its name, runtime options and where the program runs. */
export interface ProjectInfo {
  name: string;
  root: string;
  /** The program's working directory: the CLI runs a program from the folder of its `main`. */
  pwd: string;
  /** The entry point the language host is given ("." for the folder's package.json / index). */
  entry: string;
  options: { typescript?: boolean; tsconfig?: string; nodeargs?: string };
}

/**
 * Reads Pulumi.yaml and derives the program directory and entry point from `main` as the CLI does
 * (pkg/engine/project.go getPwdMain): a folder becomes the working directory with entry ".", a
 * file runs from its own folder.
 */
export function projectInfo(dir: string): ProjectInfo {
  const root = path.resolve(dir);
  const file = ["Pulumi.yaml", "Pulumi.yml"].map((f) => path.join(root, f)).find((f) => fs.existsSync(f));
  if (!file) throw new Error(`${root} is not a Pulumi project: no Pulumi.yaml`);
  const project = (parseYaml(fs.readFileSync(file, "utf8")) ?? {}) as ProjectFile;
  const options = typeof project.runtime === "object" ? (project.runtime.options ?? {}) : {};
  let pwd = root;
  let entry = ".";
  if (project.main) {
    const target = path.resolve(root, project.main);
    if (fs.statSync(target).isDirectory()) pwd = target;
    else {
      pwd = path.dirname(target);
      entry = path.basename(target);
    }
  }
  return { name: project.name ?? path.basename(root), root, pwd, entry, options };
}

/** Config as the language host hands it to the program: PULUMI_CONFIG keyed `<ns>:config:<key>`. */
function programConfigEnv(config: Record<string, string>): string {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(config)) {
    const i = key.indexOf(":");
    out[i < 0 ? key : `${key.slice(0, i)}:config:${key.slice(i + 1)}`] = value;
  }
  return JSON.stringify(out);
}

async function runProject(dir: string, opts: RunOptions & { project: string; stack: string }, addresses: { monitor: string; engine: string }) {
  const { root, pwd, entry, options } = projectInfo(dir);
  const runScript = require.resolve("@pulumi/pulumi/cmd/run", { paths: [pwd, root] });
  const args = [
    ...(options.nodeargs ? options.nodeargs.split(/\s+/).filter(Boolean) : []),
    runScript,
    "--monitor", addresses.monitor,
    "--engine", addresses.engine,
    ...(opts.organization ? ["--organization", opts.organization] : []),
    "--project", opts.project,
    "--root-directory", root,
    "--stack", opts.stack,
    "--pwd", pwd,
    ...(opts.preview ? ["--dry-run"] : []),
    "--parallel", "16",
    entry,
  ];
  const child = spawn(process.execPath, args, {
    cwd: pwd,
    env: {
      ...process.env,
      PULUMI_CONFIG: programConfigEnv(opts.config ?? {}),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(opts.secretKeys ?? []),
      // Pulumi.yaml runtime options, as the language host turns them into environment.
      ...(options.typescript === false ? {} : { PULUMI_NODEJS_TYPESCRIPT: "true" }),
      ...(options.tsconfig ? { PULUMI_NODEJS_TSCONFIG_PATH: options.tsconfig } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  readline.createInterface({ input: child.stdout! }).on("line", (l) => stdout.push(l));
  readline.createInterface({ input: child.stderr! }).on("line", (l) => stderr.push(l));
  // A program run must not outlive the harness (the language host cancels its child the same way).
  const stop = () => child.kill("SIGKILL");
  process.once("exit", stop);
  // A canceled deployment: the language host interrupts the program, and kills it 5 s later.
  const cancel = () => {
    child.kill("SIGINT");
    setTimeout(stop, 5000).unref();
  };
  if (opts.signal?.aborted) cancel();
  opts.signal?.addEventListener("abort", cancel, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (c, signal) => resolve(signal ? -1 : c));
  }).finally(() => {
    process.off("exit", stop);
    opts.signal?.removeEventListener("abort", cancel);
  });
  return { stdout, stderr, code };
}

// The SDK's runtime settings are process-wide: one in-process program at a time.
let inlineQueue: Promise<unknown> = Promise.resolve();

/**
 * The process object Node itself emits `unhandledRejection` on. A module sandbox (jest) hands
 * modules a copy of `process` whose listeners never fire; the module loader still has the real one.
 */
function realProcess(): NodeJS.Process {
  const loader = require("node:module") as { _load?: (request: string) => unknown };
  const loaded = loader._load?.("process");
  return loaded && typeof (loaded as NodeJS.Process).on === "function" ? (loaded as NodeJS.Process) : process;
}

/**
 * The SDK reports a failing program partly through unhandled rejections, which the language host
 * process catches with its own `unhandledRejection` handlers (LanguageServer adds them for the run).
 * In a host process that already has such handlers — a test runner fails the running test from
 * them — the program's rejections are kept away from those while it runs, and any that arrive
 * after the LanguageServer removed its own are kept as errors of the run.
 */
async function ownRejections<T>(work: () => Promise<T>): Promise<{ value: T; late: unknown[] }> {
  const events = ["unhandledRejection", "uncaughtException"];
  const proc = realProcess() as unknown as NodeJS.EventEmitter;
  const saved = events.map((event) => [event, proc.listeners(event)] as const);
  const late: unknown[] = [];
  const keep = (e: unknown) => late.push(e);
  for (const event of events) {
    proc.removeAllListeners(event);
    proc.on(event, keep);
  }
  try {
    const value = await work();
    // Let rejections of the run's last promises surface before the handlers go back.
    await new Promise((resolve) => setImmediate(resolve));
    return { value, late };
  } finally {
    for (const [event, listeners] of saved) {
      proc.off(event, keep);
      for (const listener of listeners) proc.on(event, listener as (...args: unknown[]) => void);
    }
  }
}

async function runInline(program: () => unknown, opts: RunOptions & { project: string; stack: string }, addresses: { monitor: string; engine: string }) {
  const run = inlineQueue.then(async () => {
    const { value, late } = await ownRejections(() => runLanguageServer(program, opts, addresses));
    return value ?? (late.length > 0 ? late.map((e) => (e instanceof Error ? e.message : String(e))).join("\n") : undefined);
  });
  inlineQueue = run.catch(() => undefined);
  return run;
}

/**
 * A canceled deployment does not wait for an inline program forever: one still waiting on the
 * outputs of a failed resource would never finish. As the CLI leaves an Automation API program
 * behind when it stops, the harness stops waiting 5 s after the cancel (the language host's grace
 * period for a child process). `dispose` forgets the cancel when the run ended first.
 */
const LEFT_BEHIND = "the program was still running 5 s after the deployment was canceled; it was left behind";
function abandonedAfterCancel(signal: AbortSignal | undefined) {
  let timer: NodeJS.Timeout | undefined;
  let abandon = () => {};
  const state = {
    leftBehind: false,
    left: new Promise<string>((resolve) => {
      abandon = () => {
        timer = setTimeout(() => {
          state.leftBehind = true;
          resolve(LEFT_BEHIND);
        }, 5000).unref();
      };
      if (signal?.aborted) abandon();
      else signal?.addEventListener("abort", abandon, { once: true });
    }),
    dispose: () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", abandon);
    },
  };
  return state;
}

async function runLanguageServer(program: () => unknown, opts: RunOptions & { project: string; stack: string }, addresses: { monitor: string; engine: string }) {
  {
    // Pulumi's own language runtime for inline programs (an SDK internal, pinned by
    // test/harness/sdk-internals.test.ts).
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const { LanguageServer } = require("@pulumi/pulumi/automation/server") as { LanguageServer: new (program: () => unknown) => object };
    const language = await listen((server) => server.addService(langrpc.LanguageRuntimeService, new LanguageServer(program) as grpc.UntypedServiceImplementation));
    const client = new langrpc.LanguageRuntimeClient(language.address, grpc.credentials.createInsecure());
    const abandoned = abandonedAfterCancel(opts.signal);
    try {
      const req = new langproto.RunRequest();
      req.setProject(opts.project);
      req.setStack(opts.stack);
      req.setPwd(process.cwd());
      req.setDryrun(!!opts.preview);
      req.setParallel(16);
      req.setMonitorAddress(addresses.monitor);
      req.setArgsList([addresses.engine]);
      req.setOrganization(opts.organization ?? "");
      for (const [k, v] of Object.entries(opts.config ?? {})) req.getConfigMap().set(k, v);
      req.setConfigsecretkeysList(opts.secretKeys ?? []);
      const ran = new Promise<string | undefined>((resolve) =>
        client.run(req, (err: grpc.ServiceError | null, res?: langproto.RunResponse) => resolve(err ? err.details || err.message : res?.getError() || undefined)),
      );
      return await Promise.race([ran, abandoned.left]);
    } finally {
      abandoned.dispose();
      client.close();
      // A program left behind still holds its Run call open: end the call and the server now,
      // or their sockets would keep this process alive.
      if (abandoned.leftBehind) language.server.forceShutdown();
      else await shutdown(language.server);
    }
  }
}

function projectName(program: Program, opts: RunOptions): string {
  if (opts.project) return opts.project;
  if (typeof program !== "function") return projectInfo(program.dir).name;
  return "project";
}

/**
 * Runs `program` under Pulumi's Node.js language runtime. Each dynamic resource it registers is
 * passed to `register`, whose answer (id and outputs) the program then sees, as it would see the
 * engine's; `register` may reject to fail that registration. Resolves with the stack outputs once
 * the program has finished, whether it succeeded or not (see `error`).
 */
export async function runProgram(
  program: Program,
  opts: RunOptions,
  register: (r: DeclaredResource) => Promise<RegistrationAnswer>,
): Promise<ProgramRun> {
  const project = projectName(program, opts);
  const stack = opts.stack ?? "stack";
  const state: MonitorState = { project, stack, signal: opts.signal, register, resources: [], diagnostics: [], urns: new Set() };
  const { monitor, engine } = monitorServices(state);
  const services = await listen((server) => {
    server.addService(resrpc.ResourceMonitorService, monitor as unknown as grpc.UntypedServiceImplementation);
    server.addService(engrpc.EngineService, engine as unknown as grpc.UntypedServiceImplementation);
  });
  const addresses = { monitor: services.address, engine: services.address };
  const full = { ...opts, project, stack };
  try {
    let error: string | undefined;
    let stdout: string[] = [];
    let stderr: string[] = [];
    if (typeof program === "function") {
      error = await runInline(program, full, addresses);
    } else {
      const ran = await runProject(program.dir, full, addresses);
      ({ stdout, stderr } = ran);
      if (ran.code !== 0) {
        const logged = state.diagnostics.filter((d) => d.severity === "error").map((d) => d.message);
        error = logged.length > 0 ? logged.join("\n") : `the program exited with code ${ran.code}: ${stderr.slice(-20).join("\n")}`;
      }
    }
    if (!error) {
      const logged = state.diagnostics.filter((d) => d.severity === "error");
      if (logged.length > 0) error = logged.map((d) => d.message).join("\n");
    }
    const outputs = state.outputs ?? {};
    return {
      outputs: plainProps(outputs),
      secretOutputs: secretPaths(outputs),
      resources: state.resources,
      diagnostics: state.diagnostics,
      stdout,
      stderr,
      ...(error ? { error } : {}),
    };
  } finally {
    await shutdown(services.server);
  }
}
