export type {
  SpaceDefinition, SpaceInput, SampleQuestion, TableSource, ColumnConfig, MetricViewSource, TextInstruction,
  ExampleQuestionSql, SqlParameter, ParameterDefaultValue, SqlFunction, JoinSide, JoinSpec, SqlSnippets, SqlFilter,
  SqlExpression, SqlMeasure, BenchmarkQuestion, BenchmarkAnswer, SpaceInstructions, RelationshipType,
} from "./schema";
export { spaceDefinitionSchema, spaceInputSchema, RELATIONSHIP_TYPES } from "./schema";
export type { SpaceProblem } from "./problems";
export { SpaceValidationError } from "./problems";
export type { NormalizeOptions, ReadMode, Dialect } from "./normalize";
export { normalizeSpace } from "./normalize";
export { LIMITS, limitUse, type LimitUse } from "./limits";
export type { SerializeOptions } from "./canonical";
export { toSerializedSpace, fromSerializedSpace } from "./canonical";
export type { SpaceDifference } from "./compare";
export { compareSpaces } from "./compare";
export type { LoadedSpace, LoadedSpaces, LoadOptions, SpaceFileProblem, SpaceFileWarning, OmittedProblems } from "./files";
export { loadSpaceFiles, SpaceFileError, formatFileMessage } from "./files";
export type { SpaceYamlInput, SpaceYamlOptions } from "./yaml-writer";
export { toSpaceYaml } from "./yaml-writer";
export { isValidId } from "./ids";
