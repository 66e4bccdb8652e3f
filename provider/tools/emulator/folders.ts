/**
 * The workspace folder tree, as far as Genie cares: a space's parent folder must exist
 * (docs/genie-api.md §3 "Create with missing parent folder"), and `mkdirs` creates it with its parents.
 */
import { invalidParameter } from "./api-error";

/**
 * Workspace paths are accepted with or without the `/Workspace` prefix and returned without it
 * (docs/genie-api.md §1.1, CLI testserver). Trailing slashes are dropped.
 */
export function stripWorkspacePrefix(path: string): string {
  let p = path;
  if (p === "/Workspace" || p.startsWith("/Workspace/")) p = p.slice("/Workspace".length) || "/";
  if (p.length > 1) p = p.replace(/\/+$/, "");
  return p || "/";
}

export function checkAbsolutePath(field: string, path: string): string {
  if (!path.startsWith("/")) {
    throw invalidParameter(`Invalid value for ${field}: '${path}' is not an absolute workspace path`);
  }
  return stripWorkspacePrefix(path);
}

export class FolderTree {
  private readonly paths = new Set<string>(["/"]);

  constructor(initial: Iterable<string>) {
    for (const p of initial) this.mkdirs(p);
  }

  /** Creates the folder and every missing parent (like `POST /api/2.0/workspace/mkdirs`). */
  mkdirs(path: string): void {
    const p = stripWorkspacePrefix(path);
    const parts = p.split("/").filter(Boolean);
    let current = "";
    for (const part of parts) {
      current += `/${part}`;
      this.paths.add(current);
    }
  }

  has(path: string): boolean {
    return this.paths.has(stripWorkspacePrefix(path));
  }

  list(): string[] {
    return [...this.paths].sort();
  }
}
