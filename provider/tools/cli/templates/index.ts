export { SPACES_DIR, STACKS, DEV_PLACEHOLDERS, CI_AUTH_TYPE, placeholderVariables, pulumiYaml, packageJson, tsconfigJson, gitignore, program, stackFile, exampleSpace, readme } from "./project";
export type { ProjectSettings, StackValues, ScaffoldStack } from "./project";
