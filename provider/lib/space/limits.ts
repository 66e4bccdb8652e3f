/** The per-space product limits (docs/genie-api.md §2.5) and how much of each a definition uses. */
import type { Reader } from "./reader";
import type { SpaceDefinition } from "./schema";

export const LIMITS = { dataSources: 30, instructions: 100, snippets: 200 } as const;

/** How much of each per-space product limit a definition uses. */
export interface LimitUse {
  /** Tables + metric views. */
  dataSources: { used: number; limit: number };
  /** Example SQL queries + SQL functions + the text block (one, however many instructions it merges). */
  instructions: { used: number; limit: number };
  /** Table and column descriptions + joins + SQL snippets. */
  snippets: { used: number; limit: number };
}

export function limitUse(def: SpaceDefinition): LimitUse {
  const sources = [...(def.data_sources.tables ?? []), ...(def.data_sources.metric_views ?? [])];
  const ins = def.instructions;
  const instructions = (ins?.example_question_sqls?.length ?? 0) + (ins?.sql_functions?.length ?? 0) + (ins?.text_instructions?.length ? 1 : 0);
  let snippets = 0;
  for (const s of sources) {
    if (s.description) snippets++;
    for (const c of s.column_configs ?? []) if (c.description) snippets++;
  }
  snippets += ins?.join_specs?.length ?? 0;
  const sn = ins?.sql_snippets;
  snippets += (sn?.filters?.length ?? 0) + (sn?.expressions?.length ?? 0) + (sn?.measures?.length ?? 0);
  return {
    dataSources: { used: sources.length, limit: LIMITS.dataSources },
    instructions: { used: instructions, limit: LIMITS.instructions },
    snippets: { used: snippets, limit: LIMITS.snippets },
  };
}

export function checkLimits(r: Reader, def: SpaceDefinition): void {
  const use = limitUse(def);
  if (use.dataSources.used > LIMITS.dataSources) {
    r.rule("data_sources", `too many data sources: ${use.dataSources.used} tables and metric views, the limit is ${LIMITS.dataSources} per space; remove some or split the space`);
  }
  if (use.instructions.used > LIMITS.instructions) {
    r.rule("instructions", `too many instructions: ${use.instructions.used} (example SQL queries + SQL functions + the text block), the limit is ${LIMITS.instructions} per space; remove some`);
  }
  if (use.snippets.used > LIMITS.snippets) {
    r.rule("", `too many knowledge snippets: ${use.snippets.used} (table and column descriptions + joins + SQL snippets), the limit is ${LIMITS.snippets} per space; remove some`);
  }
}
