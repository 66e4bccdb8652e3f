/**
 * The `pulumi-genie` CLI as a library: each command's action is a function taking its options and
 * an io (stdout/stderr), returning the exit code — what the bin (main.ts) and the tests call.
 */
export { buildProgram } from "./main";
export { processIo, describeError, CliError, type CliIo, type OutputStream } from "./io";
export { resolveWorkspace, type WorkspaceOptions, type ResolvedWorkspace } from "./workspace";
export { runValidate, type ValidateOptions, type ValidateFormat } from "./validate";
export { runList, runFind, findSpaces, type ListOptions, type SpaceSummary } from "./list";
export { runWhoami, whoamiReport, type WhoamiOptions, type WhoamiReport } from "./whoami";
export { runProfiles, listProfiles, type ProfilesOptions, type ProfileSummary } from "./profiles";
export { runExport, exportSpaces, parseTemplatize, nameFromTitle, type ExportOptions, type ExportResult, type ExportedSpace } from "./export";
export { runMigrateGenieForge, migrateGenieForge, type MigrateOptions, type MigrationReport, type MigratedStack } from "./migrate-genie-forge";
export { editStackFile, stackFilePath, readAdoptions, type StackEdit, type StackEditResult } from "./stack-edit";
export { globMatcher, type OutputFormat } from "./format";
export { runShow, fetchSpace, limitUse } from "./show";
export { runCreate, createPrototype } from "./create";
export { runClone, cloneSpace } from "./clone";
export { runInit, initProject } from "./init";
export { runDemoSetup, runDemoStatus, runDemoCleanup } from "./demo-data";
