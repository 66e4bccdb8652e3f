/**
 * The files of a space folder: which files are read (and which are skipped, and why), and their
 * text — never through a link, never more than a space file can hold, never with bytes that are
 * not UTF-8.
 *
 * Symbolic links inside the folder are never followed, whether they point inside or outside it:
 * a link out of the folder would read a file the folder does not hold (a credentials file, say),
 * and a link to a file inside the folder would load that file twice. Each skipped link that
 * would otherwise have been read is named in a warning. The path given to the loader itself may
 * be a link: that is the caller's explicit choice.
 */
import { constants as fsConstants, promises as fs } from "node:fs";
import { isUtf8 } from "node:buffer";
import * as nodePath from "node:path";
import type { SpaceFileProblem, SpaceFileWarning } from "./positions";

export const SPACE_FILE = /\.(ya?ml|json)$/i;
/** Folders never scanned: genie-forge keeps variable files (not spaces) in `environments/`. */
const SKIPPED_DIRS = new Set(["environments", "node_modules"]);
/** Far above any valid space (30 data sources, 100 instructions, 200 snippets); refused unread. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024;

const byteOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The space files under `root` (recursive, sorted), and the links skipped on the way. */
export async function listSpaceFiles(root: string): Promise<{ files: string[]; skipped: SpaceFileWarning[] }> {
  let stat;
  try {
    stat = await fs.stat(root);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw new Error(`no space files at ${root}: there is no such file or folder`);
    throw e;
  }
  if (!stat.isDirectory()) return { files: [root], skipped: [] };
  const realRoot = await fs.realpath(root);
  const files: string[] = [];
  const skipped: SpaceFileWarning[] = [];
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    for (const e of entries) {
      const full = nodePath.join(dir, e.name);
      if (e.isSymbolicLink()) {
        const reason = await linkReason(full, e.name, root, realRoot);
        if (reason) skipped.push({ file: full, path: "", message: reason });
      } else if (e.isDirectory()) {
        if (!e.name.startsWith(".") && !SKIPPED_DIRS.has(e.name)) await walk(full);
      } else if (e.isFile() && SPACE_FILE.test(e.name)) {
        files.push(full);
      }
    }
  };
  await walk(root);
  return { files: files.sort(byteOrder), skipped: skipped.sort((a, b) => byteOrder(a.file, b.file)) };
}

/** Why a link was skipped, or undefined when the walk would not have read what it points to anyway. */
async function linkReason(link: string, name: string, root: string, realRoot: string): Promise<string | undefined> {
  let target: string;
  let isDir = false;
  try {
    target = await fs.realpath(link);
    isDir = (await fs.stat(target)).isDirectory();
  } catch {
    return SPACE_FILE.test(name) ? "skipped: a symbolic link whose target does not exist (links are never followed)" : undefined;
  }
  if (isDir ? name.startsWith(".") || SKIPPED_DIRS.has(name) : !SPACE_FILE.test(name)) return undefined;
  const what = isDir ? "folder" : "file";
  const inside = target === realRoot || target.startsWith(realRoot + nodePath.sep);
  return inside
    ? `skipped: a symbolic link to the ${what} ${nodePath.relative(realRoot, target) || "."} of this folder; links are never followed (a file is read at its own place, once)`
    : `skipped: a symbolic link to ${target}, outside ${root}; links are never followed, so nothing outside the folder is read: copy the ${what} into the folder if it belongs here`;
}

/** Text of a file, or the problem that keeps it from being read. */
export type FileText = { text: string } | { problem: SpaceFileProblem };

/**
 * Read a file's text. `noFollow`: refuse a file that is a link (files found by the walk, in case
 * one was replaced by a link since). Bytes that are not UTF-8 are an error naming the offset;
 * a file too large to be a space is refused before it is read.
 */
export async function readSpaceText(file: string, noFollow: boolean): Promise<FileText> {
  const handle = await fs.open(file, fsConstants.O_RDONLY | (noFollow ? fsConstants.O_NOFOLLOW : 0));
  try {
    const { size } = await handle.stat();
    if (size > MAX_FILE_BYTES) {
      const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
      return { problem: { file, line: 1, col: 1, path: "", message: `the file is ${mb(size)} MB, more than the ${mb(MAX_FILE_BYTES)} MB a space file may have (a space holds at most 30 data sources, 100 instructions and 200 snippets): split it, or check that this is a space file` } };
    }
    return decodeUtf8(file, await handle.readFile());
  } finally {
    await handle.close();
  }
}

/** UTF-8 text, or an error at the first byte that is not UTF-8 (never a silent U+FFFD). */
export function decodeUtf8(file: string, bytes: Buffer): FileText {
  if (isUtf8(bytes)) return { text: bytes.toString("utf8") };
  const offset = firstInvalidUtf8(bytes);
  const before = bytes.subarray(0, offset).toString("utf8");
  const lineStart = before.lastIndexOf("\n") + 1;
  const line = before.split("\n").length;
  const hex = `0x${bytes[offset].toString(16).toUpperCase().padStart(2, "0")}`;
  return {
    problem: {
      file, line, col: before.length - lineStart + 1, path: "",
      message: `the file is not valid UTF-8: byte ${hex} at byte offset ${offset} does not start a UTF-8 character; save the file as UTF-8`,
    },
  };
}

/**
 * Offset of the first byte of the first ill-formed UTF-8 sequence: a lead byte C2–F4 followed by
 * the right number of continuation bytes 80–BF, without overlong forms (E0 then A0+, F0 then 90+),
 * surrogates (ED then at most 9F) or code points above U+10FFFF (F4 then at most 8F).
 */
function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i];
    if (c < 0x80) { i++; continue; }
    let need: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) { need = 2; if (c === 0xe0) lo = 0xa0; if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; if (c === 0xf0) lo = 0x90; if (c === 0xf4) hi = 0x8f; }
    else return i;
    for (let k = 1; k <= need; k++) {
      const next = b[i + k];
      const [min, max] = k === 1 ? [lo, hi] : [0x80, 0xbf];
      if (next === undefined || next < min || next > max) return i;
    }
    i += need + 1;
  }
  return b.length;
}

/**
 * genie-forge layout: conf/spaces/*.yaml next to conf/environments/<env>.yaml holding `variables:`.
 * The first candidate that exists is used; a linked one is skipped (and named), like links in the folder.
 */
export async function environmentFile(root: string, env: string): Promise<{ file?: string; skipped?: SpaceFileWarning }> {
  const stat = await fs.stat(root);
  const base = stat.isFile() ? nodePath.dirname(root) : root;
  const candidates = [base, nodePath.dirname(base), nodePath.dirname(nodePath.dirname(base))]
    .flatMap((d) => [nodePath.join(d, "environments", `${env}.yaml`), nodePath.join(d, "environments", `${env}.yml`)]);
  for (const file of candidates) {
    let link;
    try { link = await fs.lstat(file); } catch { continue; }
    if (link.isSymbolicLink()) {
      return { skipped: { file, path: "", message: `skipped: the environment file is a symbolic link (to ${await fs.realpath(file).catch(() => "a missing target")}); links are never followed: copy the file here` } };
    }
    if (link.isFile()) return { file };
  }
  return {};
}
