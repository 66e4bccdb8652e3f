/** Shared by the space-file tests: a fresh temp folder per test, files in it, and the load error they give. */
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadSpaceFiles, SpaceFileError } from "../../provider/lib/space";

/** A temp folder made before each test and removed after it; call the returned function for its path. */
export function useTempDir(prefix: string): () => string {
  let dir = "";
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix)); });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });
  return () => dir;
}

/** Write `content` to `name` under `dir` (creating folders); resolves with the file's path. */
export async function writeIn(dir: string, name: string, content: string | Buffer): Promise<string> {
  const file = path.join(dir, name);
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, content);
  return file;
}

/** The SpaceFileError loading `p` rejects with (fails the test if it loads). */
export async function loadError(p: string, opts?: Parameters<typeof loadSpaceFiles>[1]): Promise<SpaceFileError> {
  try {
    await loadSpaceFiles(p, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(SpaceFileError);
    return e as SpaceFileError;
  }
  throw new Error("expected loadSpaceFiles to reject");
}
