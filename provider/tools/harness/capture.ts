// Run a Pulumi program under `setMocks` and record what it declares, as the engine receives it:
// the raw RegisterResource request, so `__provider` is the real text the closure serializer made
// (docs/dynamic-providers.md §4.1).
import * as pulumi from "@pulumi/pulumi";
import { Props, plainJson, plainProps } from "./values";

export interface ResourceOptions {
  protect?: boolean;
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  ignoreChanges?: string[];
}

export interface DeclaredResource {
  urn: string;
  type: string;
  name: string;
  /** Plain JSON including the "__provider" string; secret wrappers removed; unknowns are UNKNOWN. */
  inputs: Props;
  options: ResourceOptions;
  /** URNs this resource depends on (dependsOn and inputs from other resources). */
  dependencies?: string[];
}

export interface CaptureOptions {
  project?: string;
  stack?: string;
  /** Stack config, fully-qualified keys ("ns:key"). */
  config?: Record<string, string>;
  preview?: boolean;
}

// SDK internals the public typings hide (@internal in 3.248): the monitor the mocks installed,
// the RPC drain, and the serializers the SDK uses for resource inputs and stack outputs.
const settings = require("@pulumi/pulumi/runtime/settings") as {
  getMonitor(): MonitorLike;
  waitForRPCs(): Promise<void>;
};
const rpc = require("@pulumi/pulumi/runtime/rpc") as {
  serializeProperty(ctx: string, prop: unknown, deps: Set<unknown>, opts?: { keepOutputValues?: boolean }): Promise<unknown>;
  serializeResourceProperties(...args: unknown[]): Promise<unknown>;
};

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getObject(): { toJavaScript(): unknown } | undefined;
  hasProtect(): boolean;
  getProtect(): boolean | undefined;
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplacedefined(): boolean;
  getDeletebeforereplace(): boolean;
  getIgnorechangesList(): string[];
  getDependenciesList(): string[];
}
type RegisterCallback = (err: unknown, res: { getUrn(): string } | undefined) => void;
interface MonitorLike {
  registerResource(req: RegisterRequest, cb: RegisterCallback): void;
}

const DYNAMIC_TYPE_PREFIX = "pulumi-nodejs:dynamic";

function optionsOf(req: RegisterRequest): ResourceOptions {
  const options: ResourceOptions = {};
  if (req.hasProtect()) options.protect = !!req.getProtect();
  if (req.hasRetainondelete()) options.retainOnDelete = !!req.getRetainondelete();
  if (req.getDeletebeforereplacedefined()) options.deleteBeforeReplace = req.getDeletebeforereplace();
  const ignore = req.getIgnorechangesList();
  if (ignore.length > 0) options.ignoreChanges = [...ignore];
  return options;
}

// setMocks installs process-wide state: one capture at a time.
let queue: Promise<unknown> = Promise.resolve();

export function captureProgram(
  program: () => unknown | Promise<unknown>,
  opts: CaptureOptions = {},
): Promise<{ resources: DeclaredResource[]; outputs: Props }> {
  const run = queue.then(() => captureOnce(program, opts));
  queue = run.catch(() => undefined);
  return run;
}

async function captureOnce(
  program: () => unknown | Promise<unknown>,
  opts: CaptureOptions,
): Promise<{ resources: DeclaredResource[]; outputs: Props }> {
  const preview = opts.preview ?? false;
  pulumi.runtime.setAllConfig(opts.config ?? {});
  await pulumi.runtime.setMocks(
    {
      // The mock plays the engine's answer during the program run only; the harness Engine computes
      // real outputs later through the host. Echo inputs so the program can read them back.
      newResource: (args) => ({ id: preview ? undefined : `${args.name}-id`, state: args.inputs }),
      call: (args) => args.inputs,
    },
    opts.project ?? "project",
    opts.stack ?? "stack",
    preview,
  );

  const declared: DeclaredResource[] = [];
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req, cb) => {
    const type = req.getType();
    const entry: DeclaredResource | undefined =
      req.getCustom() && type.startsWith(DYNAMIC_TYPE_PREFIX)
        ? {
            urn: "",
            type,
            name: req.getName(),
            inputs: plainProps(req.getObject()?.toJavaScript()),
            options: optionsOf(req),
            ...(req.getDependenciesList().length > 0 ? { dependencies: [...req.getDependenciesList()] } : {}),
          }
        : undefined;
    // Keep declaration order (the order the engine receives registrations in).
    if (entry) declared.push(entry);
    register(req, (err, res) => {
      if (entry && !err && res) entry.urn = res.getUrn();
      cb(err, res);
    });
  };

  // A resource whose inputs cannot be serialized (e.g. the closure serializer rejects
  // `__provider`) never reaches the monitor; the SDK only raises an unhandled rejection. Record
  // such errors where the SDK serializes resource inputs, and fail the capture with them instead
  // of silently returning fewer resources. (Jest still reports the unhandled rejection too.)
  const registrationErrors: unknown[] = [];
  const serializeResourceProperties = rpc.serializeResourceProperties;
  rpc.serializeResourceProperties = async (...args: unknown[]) => {
    try {
      return await serializeResourceProperties(...args);
    } catch (e) {
      registrationErrors.push(e);
      throw e;
    }
  };
  try {
    const returned = await program();
    const serialized = await rpc.serializeProperty("outputs", returned, new Set(), { keepOutputValues: false });
    await settings.waitForRPCs();
    if (registrationErrors.length > 0) throw registrationErrors[0];
    return {
      resources: declared.filter((r) => r.urn !== ""),
      outputs: plainProps(plainJson(serialized)),
    };
  } finally {
    rpc.serializeResourceProperties = serializeResourceProperties;
  }
}
