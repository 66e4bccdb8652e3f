/** `list` and `find --pattern 'Sales*'`: the spaces in a workspace, every page, as table/json/csv. */
import type { Command } from "commander";
import type { GenieSpaceRecord } from "../../lib/client";
import { parseOutputFormat, renderCsv, renderTable, titleFilter, type Column, type OutputFormat } from "./format";
import { CliError, finish, processIo, runCommand, type CliIo } from "./io";
import { addWorkspaceOptions, clientFor, resolveWorkspace, workspaceOptionsFrom, type WorkspaceOptions } from "./workspace";

export interface ListOptions extends WorkspaceOptions {
  /** Title glob, e.g. "Sales*" (case-insensitive). */
  pattern?: string;
  /** Title globs to leave out. */
  exclude?: string[];
  output?: OutputFormat;
  /** Spaces per page request (1–100, default 100). */
  pageSize?: number;
}

export interface SpaceSummary {
  space_id: string;
  title: string;
  description: string;
  warehouse_id: string;
  parent_path: string;
}

const COLUMNS: Column<SpaceSummary>[] = [
  { header: "space_id", value: (s) => s.space_id },
  { header: "title", value: (s) => s.title },
  { header: "warehouse_id", value: (s) => s.warehouse_id },
  { header: "parent_path", value: (s) => s.parent_path },
  { header: "description", value: (s) => s.description },
];

function summary(s: GenieSpaceRecord): SpaceSummary {
  return {
    space_id: s.space_id,
    title: s.title ?? "",
    description: s.description ?? "",
    warehouse_id: s.warehouse_id ?? "",
    parent_path: s.parent_path ?? "",
  };
}

/** Every space of the workspace whose title passes the filters, walking all pages. */
export async function findSpaces(opts: ListOptions): Promise<SpaceSummary[]> {
  const workspace = resolveWorkspace(opts);
  const client = clientFor(workspace, opts);
  const keep = titleFilter(opts.pattern, opts.exclude);
  const found: SpaceSummary[] = [];
  for await (const s of client.listSpaces({ pageSize: opts.pageSize })) {
    if (keep(s.title ?? "")) found.push(summary(s));
  }
  return found;
}

export async function runList(opts: ListOptions, io: CliIo): Promise<number> {
  return runCommand(io, async () => {
    const format = opts.output ?? "table";
    const spaces = await findSpaces(opts);
    if (format === "json") io.stdout.write(JSON.stringify(spaces, null, 2) + "\n");
    else if (format === "csv") io.stdout.write(renderCsv(spaces, COLUMNS));
    else {
      io.stdout.write(renderTable(spaces, COLUMNS));
      const what = opts.pattern !== undefined ? ` matching "${opts.pattern}"` : "";
      io.stderr.write(`${spaces.length} space(s)${what}\n`);
    }
    return 0;
  });
}

/** `find`: list with a required pattern. */
export async function runFind(opts: ListOptions, io: CliIo): Promise<number> {
  if (!opts.pattern) {
    return runCommand(io, async () => {
      throw new CliError("find needs --pattern GLOB, e.g. --pattern 'Sales*'", 2);
    });
  }
  return runList(opts, io);
}

interface ListFlags {
  host?: string;
  profile?: string;
  stack?: string;
  pattern?: string;
  exclude?: string[];
  output?: string;
  json?: boolean;
  pageSize?: string;
}

function listOptionsFrom(flags: ListFlags): ListOptions {
  return {
    ...workspaceOptionsFrom(flags),
    pattern: flags.pattern,
    exclude: flags.exclude,
    output: parseOutputFormat(flags.output, flags.json),
    pageSize: flags.pageSize !== undefined ? Number(flags.pageSize) : undefined,
  };
}

export function registerListCommands(program: Command, io: CliIo = processIo()): void {
  for (const name of ["list", "find"] as const) {
    const command = program
      .command(name)
      .description(
        name === "list"
          ? "List the Genie spaces in the workspace (all pages)."
          : "Find Genie spaces whose title matches a glob, e.g. --pattern 'Sales*' (case-insensitive).",
      );
    addWorkspaceOptions(command)
      .option("-p, --pattern <glob>", name === "find" ? "title glob (required)" : "only titles matching this glob")
      .option("-x, --exclude <glob...>", "leave out titles matching these globs")
      .option("-o, --output <format>", "table | json | csv", "table")
      .option("--json", "same as --output json")
      .option("--page-size <n>", "spaces per API page (1-100)")
      .action(async (flags: ListFlags) => {
        let opts: ListOptions;
        try {
          opts = listOptionsFrom(flags);
        } catch (e) {
          io.stderr.write(`error: ${(e as Error).message}\n`);
          return finish(io, 2);
        }
        finish(io, await (name === "list" ? runList(opts, io) : runFind(opts, io)));
      });
  }
}
