// Workspace folder paths as the Genie API and the workspace API each want them.

/** Genie stores `parent_path` without the `/Workspace` prefix (docs/genie-api.md §1.1). */
export function normalizeFolder(path: string): string {
  let p = path.trim().replace(/\/+$/, "");
  if (p === "/Workspace" || p.startsWith("/Workspace/")) p = p.slice("/Workspace".length);
  return p === "" ? "/" : p;
}

/** Workspace APIs address folders with the `/Workspace` prefix. */
export function withWorkspacePrefix(path: string): string {
  const p = normalizeFolder(path.startsWith("/") ? path : `/${path}`);
  return p === "/" ? "/Workspace" : `/Workspace${p}`;
}
