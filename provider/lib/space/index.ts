export type {
  SpaceDefinition, SpaceInput, SampleQuestion, TableSource, ColumnConfig, MetricViewSource, TextInstruction,
  ExampleQuestionSql, SqlParameter, ParameterDefaultValue, SqlFunction, JoinSide, JoinSpec, SqlSnippets, SqlFilter,
  SqlExpression, SqlMeasure, BenchmarkQuestion, BenchmarkAnswer, SpaceInstructions, RelationshipType,
} from "./model";
export { spaceDefinitionSchema, spaceInputSchema, RELATIONSHIP_TYPES } from "./model";
export type { SpaceProblem } from "./problems";
export { SpaceValidationError } from "./problems";
export type { NormalizeOptions, ReadMode, Dialect } from "./normalize";
export { normalizeSpace, LIMITS, limitUse, type LimitUse } from "./normalize";
export type { SerializeOptions } from "./canonical";
export { toSerializedSpace, fromSerializedSpace } from "./canonical";
export type { SpaceDifference } from "./compare";
export { compareSpaces } from "./compare";
export type { LoadedSpace, LoadOptions, SpaceFileProblem } from "./files";
export { loadSpaceFiles, SpaceFileError } from "./files";
export type { SpaceYamlInput, SpaceYamlOptions } from "./yaml-writer";
export { toSpaceYaml } from "./yaml-writer";
export { isValidId } from "./ids";
