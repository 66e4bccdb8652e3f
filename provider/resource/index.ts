export { GenieSpace, type GenieSpaceArgs } from "./genie-space";
