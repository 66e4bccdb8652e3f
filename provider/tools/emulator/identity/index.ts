export { startIdentityEmulator, GOOGLE_ISSUER } from "./server";
export type { IdentityEmulator, IdentityEmulatorOptions, IdentityRequest } from "./server";
export { attachIdentity, detachIdentity } from "./trust";
export type { WorkspaceTrust, AcceptedExternal } from "./trust";
