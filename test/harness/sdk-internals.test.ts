/**
 * The parts of @pulumi/pulumi the harness relies on that are not its public API: module paths,
 * exported names, protobuf messages and methods, constants and the command-line and environment
 * contract of its runtime entry points. When an SDK release moves one, this names it — before a
 * harness run fails somewhere less obvious. The versions this must hold on are the peer range
 * (`.ci/run` runs this file on each SDK leg).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_SIG, SIG_KEY, UNKNOWN } from "../../provider/tools/harness/values";

const SDK = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const text = (file: string) => fs.readFileSync(path.join(SDK, file), "utf8");

// eslint-disable-next-line @typescript-eslint/no-var-requires
const load = (module: string) => require(`@pulumi/pulumi/${module}`) as Record<string, unknown>;

function methodsOf(ctor: unknown): string[] {
  return Object.getOwnPropertyNames((ctor as { prototype: object }).prototype);
}

describe("@pulumi/pulumi internals the harness uses", () => {
  test("the language runtime entry point (cmd/run) takes the language host's flags and environment", () => {
    expect(fs.existsSync(require.resolve("@pulumi/pulumi/cmd/run"))).toBe(true);
    // (Loading cmd/run would start a run: its files are read, not required.)
    expect(text("cmd/run/run.js")).toMatch(/exports.run = run;/);
    const index = text("cmd/run/index.js");
    for (const flag of ["monitor", "engine", "project", "root-directory", "stack", "pwd", "dry-run", "parallel", "organization"]) {
      expect(index).toContain(`"${flag}"`);
    }
    const run = text("cmd/run/run.js");
    for (const variable of ["PULUMI_NODEJS_TYPESCRIPT", "PULUMI_NODEJS_TSCONFIG_PATH", "PULUMI_NODEJS_TRANSPILE_ONLY"]) expect(run).toContain(variable);
    expect(text("runtime/config.js")).toMatch(/PULUMI_CONFIG_SECRET_KEYS/);
  });

  test("the inline-program language server (automation/server LanguageServer) serves Run", () => {
    const { LanguageServer } = load("automation/server");
    expect(typeof LanguageServer).toBe("function");
    expect(methodsOf(LanguageServer)).toEqual(expect.arrayContaining(["run", "getRequiredPlugins", "getPluginInfo"]));
  });

  test("the dynamic-provider host (cmd/dynamic-provider) and its config lookup", () => {
    expect(fs.existsSync(require.resolve("@pulumi/pulumi/cmd/dynamic-provider"))).toBe(true);
    const host = text("cmd/dynamic-provider/index.js");
    // What InProcessProvider copies and ProviderHost relies on, by name.
    for (const name of ["providerCache", "requireFromString", "grpcResponseFromError", "pulumirpc.ErrorResourceInitFailed", "grpc-status-details-bin", "setAcceptsecrets(false)", "console.log(port.toString())", '"__provider"']) {
      expect(host).toContain(name);
    }
    const { Config } = load("cmd/dynamic-provider/config") as { Config: new (raw: Record<string, string>, project: string) => { get(k: string): unknown; require(k: string): unknown } };
    const config = new Config({ "proj:password": "s3cret", "ns:key": "v" }, "proj");
    expect(config.get("password")).toBe("s3cret");
    expect(config.get("ns:key")).toBe("v");
    expect(() => config.require("missing")).toThrow("Missing required configuration key: missing");
    // The project the host prepends comes from PULUMI_NODEJS_PROJECT.
    expect(text("runtime/state.js")).toContain('"PULUMI_NODEJS_PROJECT"');
  });

  test("gRPC services and clients the harness serves and calls", () => {
    const resource = load("proto/resource_grpc_pb");
    expect(Object.keys(resource.ResourceMonitorService as object)).toEqual(
      expect.arrayContaining(["supportsFeature", "registerResource", "registerResourceOutputs", "readResource", "invoke", "call", "signalAndWaitForShutdown"]),
    );
    expect(Object.keys(load("proto/engine_grpc_pb").EngineService as object)).toEqual(expect.arrayContaining(["log", "getRootResource", "setRootResource"]));
    const language = load("proto/language_grpc_pb");
    expect(Object.keys(language.LanguageRuntimeService as object)).toContain("run");
    expect(typeof language.LanguageRuntimeClient).toBe("function");
    const provider = load("proto/provider_grpc_pb");
    expect(methodsOf(provider.ResourceProviderClient)).toEqual(expect.arrayContaining(["configure", "check", "diff", "create", "read", "update", "delete"]));
  });

  test("protobuf messages and the fields the harness reads and writes", () => {
    const res = load("proto/resource_pb");
    expect(methodsOf(res.RegisterResourceRequest)).toEqual(
      expect.arrayContaining([
        "getType", "getName", "getParent", "getCustom", "getObject", "getProtect", "getRetainondelete", "getDeletebeforereplace",
        "getDeletebeforereplacedefined", "getIgnorechangesList", "getAdditionalsecretoutputsList", "getDependenciesList",
      ]),
    );
    expect(methodsOf(res.RegisterResourceResponse)).toEqual(expect.arrayContaining(["setUrn", "setId", "setObject"]));
    expect(methodsOf(res.RegisterResourceOutputsRequest)).toEqual(expect.arrayContaining(["getUrn", "getOutputs"]));
    expect(methodsOf(res.SupportsFeatureRequest)).toContain("getId");
    expect(methodsOf(res.SupportsFeatureResponse)).toContain("setHassupport");
    const lang = load("proto/language_pb");
    expect(methodsOf(lang.RunRequest)).toEqual(
      expect.arrayContaining(["setProject", "setStack", "setPwd", "setDryrun", "setParallel", "setMonitorAddress", "setArgsList", "setOrganization", "getConfigMap", "setConfigsecretkeysList"]),
    );
    const eng = load("proto/engine_pb");
    expect(methodsOf(eng.LogRequest)).toEqual(expect.arrayContaining(["getSeverity", "getMessage", "getUrn"]));
    const prov = load("proto/provider_pb");
    expect(methodsOf(prov.ConfigureRequest)).toEqual(expect.arrayContaining(["setArgs", "getVariablesMap", "setAcceptsecrets", "setAcceptresources"]));
    expect(methodsOf(prov.ConfigureResponse)).toContain("getAcceptsecrets");
    expect(methodsOf(prov.DiffRequest)).toContain("setOldInputs");
    expect(methodsOf(prov.ReadResponse)).toEqual(expect.arrayContaining(["hasInputs", "getInputs"]));
    expect(methodsOf(prov.ErrorResourceInitFailed)).toEqual(expect.arrayContaining(["getId", "getProperties", "getReasonsList"]));
    expect(typeof load("proto/status_pb").Status).toBe("function");
  });

  test("the wire constants for secrets and unknowns match the SDK's", () => {
    const rpc = load("runtime/rpc");
    expect(rpc.specialSigKey).toBe(SIG_KEY);
    expect(rpc.specialSecretSig).toBe(SECRET_SIG);
    expect(rpc.unknownValue).toBe(UNKNOWN);
  });
});
