// The engine harness: plays the Pulumi engine (without the CLI) against the real
// dynamic-provider host from @pulumi/pulumi (docs/harness.md, docs/dynamic-providers.md §4).
//
// A testing tool, not a stable API: it runs programs under @pulumi/pulumi's own language runtime
// and drives its dynamic-provider host, through SDK internals (module paths, protobuf messages,
// the inline-program LanguageServer) that are pinned by test/harness/sdk-internals.test.ts and
// proven on the versions in the package's peer range (`.ci/run` legs). It moves with that range.
//
// Limits, by design: only dynamic resources (`pulumi-nodejs:dynamic…`) are driven (another
// provider's resource gets its inputs back as outputs); aliases, imports, customTimeouts,
// replaceOnChanges, deletedWith and a half-created replacement (create-before-delete whose create
// fails with an id) are not tracked. A failed step cancels the rest of a program run, as the
// engine cancels the deployment (docs/harness.md, "Limits, by design").
export { UNKNOWN } from "./values";
export { captureProgram } from "./capture";
export type { Capture, CaptureOptions } from "./capture";
export { runProgram, projectInfo } from "./program";
export type { DeclaredResource, ResourceOptions, Program, RunOptions, ProgramRun, Diagnostic, RegistrationAnswer, ProjectInfo } from "./program";
export { ProviderHost, HostError } from "./host";
export type { ProviderHostOptions } from "./host";
export { InProcessProvider } from "./inprocess";
export type { InProcessProviderOptions } from "./inprocess";
export type { DynamicProvider, CheckResult, DiffResult, ReadResult, ProviderMethod } from "./provider";
export { Engine } from "./engine";
export type { StateEntry, Step, StepOp, FailedOp, EngineResult, EngineOptions, Deployment } from "./engine";
