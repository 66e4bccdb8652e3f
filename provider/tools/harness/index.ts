// The engine harness: plays the Pulumi engine (without the CLI) against the real
// dynamic-provider host from @pulumi/pulumi (docs/dynamic-providers.md §4).
//
// Limits, by design: only dynamic resources (`pulumi-nodejs:dynamic…`) are captured and driven;
// an input computed from another resource's output holds the value the mocks gave it during
// capture (the program is not re-run against real outputs); aliases, imports, customTimeouts
// and a half-created replacement (create-before-delete whose create fails with an id) are not
// tracked.
export { UNKNOWN } from "./values";
export { captureProgram } from "./capture";
export type { DeclaredResource, ResourceOptions, CaptureOptions } from "./capture";
export { ProviderHost, HostError } from "./host";
export type { ProviderHostOptions, CheckResult, DiffResult } from "./host";
export { Engine } from "./engine";
export type { StateEntry, Step, StepOp, EngineResult, EngineOptions } from "./engine";
