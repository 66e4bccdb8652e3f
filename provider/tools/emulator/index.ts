export { startEmulator } from "./server";
export { registerEmulatorCommand, runEmulator, workspaceTokenVariable } from "./command";
export type { RunningEmulator, RunEmulatorIo, EmulatorCommandIo } from "./command";
export { parseFaultSpec, FAULT_SPEC_HELP, FAULT_KINDS } from "./faults";
export type {
  AclLevel,
  PrincipalRef,
  PrincipalRegistryOptions,
  SpaceAclView,
  EmulatorHandle,
  EmulatorOptions,
  EmulatedColumn,
  EmulatedTable,
  FaultKind,
  FaultRule,
  OAuthClient,
  PermissionLevel,
  RequestLogEntry,
  SpaceEdit,
  StoredSpace,
  UiSpaceCreate,
  WorkspaceHooks,
  WorkspaceOptions,
  WorkspaceView,
} from "./types";
export * from "./identity";
