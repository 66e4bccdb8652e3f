export { SPACES_DIR, pulumiYaml, packageJson, tsconfigJson, gitignore, program, stackFile, exampleSpace, readme } from "./project";
export type { ProjectSettings, StackValues } from "./project";
