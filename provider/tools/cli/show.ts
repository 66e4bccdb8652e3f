/**
 * `show (ID | TITLE | --name TITLE) [--format table|json|yaml|raw]`: one space, readable — tables,
 * instructions, questions and how much of each product limit it uses — or its raw API body.
 */
import type { Command } from "commander";
import { isNotFound, type GenieClient, type GenieSpaceRecord } from "../../lib/client";
import { fromSerializedSpace, isValidId, limitUse, toSpaceYaml, type SpaceDefinition } from "../../lib/space";
import { nameFromTitle } from "./export";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { addWorkspaceOptions, clientFor, resolveWorkspace, workspaceOptionsFrom, type WorkspaceOptions } from "./workspace";

export type ShowFormat = "table" | "json" | "yaml" | "raw";
export const SHOW_FORMATS: readonly ShowFormat[] = ["table", "json", "yaml", "raw"];

/** Which space: its id, or its exact title. */
export interface SpaceSelector {
  spaceId?: string;
  /** Exact title (case-sensitive); must match one space. */
  name?: string;
}

export interface ShowOptions extends WorkspaceOptions, SpaceSelector {
  format?: ShowFormat;
}

/** Re-exported for the CLI barrel: the counting lives in the space language. */
export { limitUse, type LimitUse } from "../../lib/space";

/** Selector checks shared by show and clone: exactly one of an id and --name. */
export function checkSelector(sel: SpaceSelector, command: string): void {
  if (sel.spaceId && sel.name) throw new CliError(`${command}: name the space once — its id or title as the argument, or --name TITLE — not both`, 2);
  if (!sel.spaceId && !sel.name) throw new CliError(`${command}: which space? give its id (see \`pulumi-genie list\`) or its exact title, e.g. ${command} "Sales analytics"`, 2);
}

/**
 * The space with its content. By title: every page is listed and exactly one exact match is
 * required (titles are not unique in Genie, so an ambiguous title names the candidates' ids).
 */
export async function fetchSpace(client: GenieClient, sel: SpaceSelector): Promise<GenieSpaceRecord> {
  let spaceId = sel.spaceId;
  if (!spaceId) {
    const title = sel.name!;
    const matches: GenieSpaceRecord[] = [];
    const similar: string[] = [];
    for await (const s of client.listSpaces()) {
      if (s.title === title) matches.push(s);
      else if ((s.title ?? "").toLowerCase().includes(title.toLowerCase())) similar.push(s.title ?? "");
    }
    if (matches.length === 0) {
      const hint = similar.length ? `; similar titles: ${similar.slice(0, 5).map((t) => `"${t}"`).join(", ")}` : "";
      throw new CliError(`no Genie space titled "${title}" in ${client.host}${hint}\n  fix: check the exact title with \`pulumi-genie list\`, or pass the space id`);
    }
    if (matches.length > 1) {
      throw new CliError(`${matches.length} Genie spaces are titled "${title}": ${matches.map((m) => m.space_id).join(", ")}\n  fix: pass the id of the one you mean instead of --name`);
    }
    spaceId = matches[0].space_id;
  }
  try {
    return await client.getSpace(spaceId, { includeSerializedSpace: true, label: sel.name ?? spaceId });
  } catch (e) {
    if (isNotFound(e) && !sel.name) {
      throw new CliError(`no Genie space with id ${spaceId} in ${client.host} (or the caller cannot see it)\n  fix: check the id with \`pulumi-genie list\`; ids are 32 hex characters`);
    }
    throw e;
  }
}

function definitionOf(record: GenieSpaceRecord): SpaceDefinition | undefined {
  return record.serialized_space ? fromSerializedSpace(record.serialized_space) : undefined;
}

const text = (lines: string[] | undefined) => (lines ?? []).join("").trim();
const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();

/** The readable view. */
export function renderSpace(record: GenieSpaceRecord, def: SpaceDefinition | undefined, host: string): string {
  const out: string[] = [];
  out.push(record.title);
  const meta: [string, string | undefined][] = [
    ["space id", record.space_id],
    ["url", `${host.replace(/\/+$/, "")}/genie/rooms/${record.space_id}`],
    ["warehouse", record.warehouse_id],
    ["folder", record.parent_path],
    ["description", record.description ? oneLine(record.description) : undefined],
    ["updated", record.update_time],
  ];
  for (const [k, v] of meta) if (v) out.push(`  ${`${k}:`.padEnd(13)} ${v}`);
  if (!def) {
    out.push("", "(content not shown: the workspace returned no serialized_space — the caller needs CAN EDIT on the space)");
    return out.join("\n") + "\n";
  }
  const use = limitUse(def);
  const section = (title: string, items: string[]) => {
    if (items.length === 0) return;
    out.push("", `${title} (${items.length})`);
    for (const item of items) out.push(`  - ${item}`);
  };
  section("Tables", (def.data_sources.tables ?? []).map((t) => {
    const cols = t.column_configs?.length ? ` [${t.column_configs.length} column setting(s)]` : "";
    return `${t.identifier}${t.description ? ` — ${oneLine(text(t.description))}` : ""}${cols}`;
  }));
  section("Metric views", (def.data_sources.metric_views ?? []).map((m) => `${m.identifier}${m.description ? ` — ${oneLine(text(m.description))}` : ""}`));
  section("Sample questions", (def.config?.sample_questions ?? []).map((q) => oneLine(text(q.question))));
  const ins = def.instructions;
  section("Text instructions", (ins?.text_instructions ?? []).flatMap((t) => text(t.content).split("\n").filter((l) => l.trim() !== "")));
  section("Example SQL queries", (ins?.example_question_sqls ?? []).map((e) => oneLine(text(e.question))));
  section("SQL functions", (ins?.sql_functions ?? []).map((f) => f.identifier));
  section("Joins", (ins?.join_specs ?? []).map((j) => `${j.left.identifier} ⋈ ${j.right.identifier}: ${oneLine(j.sql.filter((l) => !/^--rt=/.test(l.trim())).join(""))}`));
  const sn = ins?.sql_snippets;
  section("SQL snippets", [
    ...(sn?.measures ?? []).map((m) => `measure ${m.alias}: ${oneLine(text(m.sql))}`),
    ...(sn?.filters ?? []).map((f) => `filter ${f.display_name}: ${oneLine(text(f.sql))}`),
    ...(sn?.expressions ?? []).map((x) => `expression ${x.alias}: ${oneLine(text(x.sql))}`),
  ]);
  section("Benchmarks", (def.benchmarks?.questions ?? []).map((b) => oneLine(text(b.question))));
  const pct = (u: { used: number; limit: number }) => `${u.used}/${u.limit}`;
  out.push("", `Limits: data sources ${pct(use.dataSources)}, instructions ${pct(use.instructions)}, knowledge snippets ${pct(use.snippets)}`);
  return out.join("\n") + "\n";
}

export async function runShow(opts: ShowOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const format = opts.format ?? "table";
    if (!SHOW_FORMATS.includes(format)) throw new CliError(`--format must be one of ${SHOW_FORMATS.join(", ")} (got "${format}")`, 2);
    checkSelector(opts, "show");
    const workspace = resolveWorkspace(opts);
    const client = clientFor(workspace, opts);
    const record = await fetchSpace(client, opts);
    if (format === "raw") {
      io.stdout.write(JSON.stringify(record, null, 2) + "\n");
      return 0;
    }
    const def = definitionOf(record);
    if (format === "json") {
      io.stdout.write(JSON.stringify({
        space_id: record.space_id,
        title: record.title,
        description: record.description ?? "",
        warehouse_id: record.warehouse_id ?? "",
        parent_path: record.parent_path ?? "",
        url: `${workspace.auth.host}/genie/rooms/${record.space_id}`,
        update_time: record.update_time,
        limits: def ? limitUse(def) : undefined,
        definition: def,
      }, null, 2) + "\n");
      return 0;
    }
    if (format === "yaml") {
      if (!def) throw new CliError(`cannot show Genie space "${record.title}" (${record.space_id}) as YAML: the workspace returned no serialized_space\n  fix: the caller needs CAN EDIT on the space`);
      const name = nameFromTitle(record.title ?? "", record.space_id);
      io.stdout.write(toSpaceYaml({ name, title: record.title, description: record.description || undefined, warehouseId: record.warehouse_id, parentPath: record.parent_path || undefined, definition: def }));
      return 0;
    }
    io.stdout.write(renderSpace(record, def, workspace.auth.host));
    return 0;
  });
}

export function registerShowCommand(program: Command, io: CliIo = processIo()): void {
  addWorkspaceOptions(
    program
      .command("show")
      .argument("[space]", "the space: its id (32 hex characters) or its exact title, as clone takes it")
      .option("-n, --name <title>", "the space's exact title instead of its id")
      .option("-f, --format <format>", "table (readable) | json | yaml (a space file) | raw (the API body)", "table")
      .option("--json", "same as --format json")
      .description("Show one Genie space: tables, instructions, questions and use of the product limits, or its raw body."),
  ).action(async (space: string | undefined, flags: { name?: string; format: string; json?: boolean; host?: string; profile?: string; stack?: string }) => {
    // Like clone's SOURCE: an id if it is one, else a title (`show "Sales"` and `show --name Sales` agree).
    const byTitle = space !== undefined && !isValidId(space);
    const selector = byTitle && flags.name === undefined ? { name: space } : { spaceId: space, name: flags.name };
    finish(io, await runShow(
      { ...workspaceOptionsFrom(flags), ...selector, format: (flags.json ? "json" : flags.format) as ShowFormat },
      io,
    ));
  });
}
