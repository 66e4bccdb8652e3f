/**
 * The one way a CLI command turns a name into a file and writes it. Names come from input the
 * user did not type as a path — a stack file's `genie:adopt` keys, genie-forge environment names,
 * a stack name — so each must be a plain file stem; the file must resolve inside its folder; and
 * nothing is written through a link (an existing link at the destination, or a linked folder on
 * the way, could point anywhere: a credentials file, another project).
 *
 * A `FileBatch` checks every write of a command first and then applies them all, undoing what it
 * did if one fails, so a refused or failed command leaves the folder as it found it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CliError } from "./io";

/** Letters, digits, `_`, `-` and `.`; not starting with `.` or `-`; at most 100 characters. */
const SAFE_STEM = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$/;

/** `name` if it can be a file name on its own (no separator, no `..`, no hidden file); else a CliError naming `what`. */
export function safeStem(name: string, what: string): string {
  if (typeof name !== "string" || !SAFE_STEM.test(name)) {
    throw new CliError(
      `${what} ${JSON.stringify(name)} cannot become a file name: use letters, digits, "_", "-" and "." ` +
        '(starting with a letter, digit or "_", at most 100 characters; no "/", "\\" or "..")',
      2,
    );
  }
  return name;
}

/** Whether `name` passes `safeStem`. */
export function isSafeStem(name: string): boolean {
  return SAFE_STEM.test(name);
}

/** Whether `file` (resolved) is `dir` itself or inside it. */
export function isInside(dir: string, file: string): boolean {
  const rel = path.relative(path.resolve(dir), path.resolve(file));
  return rel === "" || (!rel.startsWith(`..${path.sep}`) && rel !== ".." && !path.isAbsolute(rel));
}

function lstatOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/**
 * `relative` joined to `dir`, refused (CliError) when it leaves `dir`, or when it or any folder
 * between `dir` and it exists as a link. `dir` itself may be a link: it is the folder the user chose.
 */
export function confinedPath(dir: string, relative: string, what: string): string {
  const root = path.resolve(dir);
  const file = path.resolve(root, relative);
  if (!isInside(root, file) || file === root) {
    throw new CliError(`${what} ${JSON.stringify(relative)} is outside ${root}: nothing was written`, 2);
  }
  let current = root;
  for (const part of path.relative(root, file).split(path.sep)) {
    current = path.join(current, part);
    const stat = lstatOrUndefined(current);
    if (stat === undefined) break;
    if (stat.isSymbolicLink()) {
      throw new CliError(`${what} ${current} is a link: pulumi-genie never writes through a link (it could point outside the folder); nothing was written\n  fix: replace the link with a real ${current === file ? "file" : "folder"}, or choose another path`, 2);
    }
  }
  return file;
}

/** O_NOFOLLOW where the platform has it: the last check against a link made after `confinedPath` looked. */
const NO_FOLLOW = fs.constants.O_NOFOLLOW ?? 0;

/**
 * Writes `content` to `relative` inside `dir` (creating folders), never through a link and, unless
 * `overwrite`, never over an existing file. Returns the path written.
 */
export function writeConfined(dir: string, relative: string, content: string, opts: { what: string; overwrite?: boolean }): string {
  const file = confinedPath(dir, relative, opts.what);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  confinedPath(dir, relative, opts.what); // the folders just made (or found) are still no links
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | NO_FOLLOW | (opts.overwrite ? fs.constants.O_TRUNC : fs.constants.O_EXCL);
  let fd: number;
  try {
    fd = fs.openSync(file, flags, 0o644);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new CliError(`${opts.what} ${file} already exists: nothing was written to it\n  fix: choose another path, or pass --force to overwrite it`, 2);
    if (code === "ELOOP") throw new CliError(`${opts.what} ${file} is a link: pulumi-genie never writes through a link; nothing was written`, 2);
    throw e;
  }
  try {
    fs.writeFileSync(fd, content);
  } finally {
    fs.closeSync(fd);
  }
  return file;
}

/** A regular file's text, or undefined when there is none; never read through a link. */
export function readRegularFile(file: string): string | undefined {
  const stat = lstatOrUndefined(file);
  return stat?.isFile() ? fs.readFileSync(file, "utf8") : undefined;
}

interface PlannedWrite {
  dir: string;
  relative: string;
  content: string;
  what: string;
  overwrite: boolean;
}

/**
 * Writes and removals planned in full before any is made. `commit()` applies them in order; if
 * one fails, the ones already made are undone (new files removed, replaced and removed files
 * restored) before the error is rethrown.
 */
export class FileBatch {
  private readonly writes: PlannedWrite[] = [];
  private readonly removals: string[] = [];

  /** Plans a write; the destination is checked now (inside `dir`, no link; exists only if `overwrite`). */
  write(dir: string, relative: string, content: string, opts: { what: string; overwrite?: boolean }): string {
    const file = confinedPath(dir, relative, opts.what);
    if (!opts.overwrite && fs.existsSync(file)) {
      throw new CliError(`${opts.what} ${file} already exists: nothing was written\n  fix: move it away, or choose another folder`, 2);
    }
    this.writes.push({ dir, relative, content, what: opts.what, overwrite: !!opts.overwrite });
    return file;
  }

  /** Plans removing a regular file inside `dir`. */
  remove(dir: string, relative: string, what: string): string {
    const file = confinedPath(dir, relative, what);
    this.removals.push(file);
    return file;
  }

  /** Files this batch would write, in order. */
  files(): string[] {
    return this.writes.map((w) => path.resolve(w.dir, w.relative));
  }

  commit(): void {
    const undo: (() => void)[] = [];
    try {
      for (const w of this.writes) {
        const file = path.resolve(w.dir, w.relative);
        const before = readRegularFile(file);
        const madeDirs = missingFolders(path.dirname(file));
        writeConfined(w.dir, w.relative, w.content, { what: w.what, overwrite: w.overwrite });
        undo.push(() => {
          if (before === undefined) fs.rmSync(file, { force: true });
          else fs.writeFileSync(file, before);
          for (const d of madeDirs) if (fs.existsSync(d) && fs.readdirSync(d).length === 0) fs.rmdirSync(d);
        });
      }
      for (const file of this.removals) {
        const before = readRegularFile(file);
        if (before === undefined) continue;
        fs.rmSync(file);
        undo.push(() => fs.writeFileSync(file, before));
      }
    } catch (e) {
      for (const step of undo.reverse()) {
        try {
          step();
        } catch {
          // best effort: the original error is what the user must see
        }
      }
      throw e;
    }
  }
}

/** Folders from the top-most missing one down to `dir` (what a recursive mkdir would create), deepest first. */
function missingFolders(dir: string): string[] {
  const out: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    out.push(d);
    if (d === path.dirname(d)) break;
  }
  return out;
}
