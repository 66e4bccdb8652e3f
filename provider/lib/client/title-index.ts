// Which space holds which title in which folder: the key every create is checked against.
//
// The API keeps a title unique within its folder — a same-titled newcomer is renamed with a
// timestamp suffix (docs/genie-api.md §1.2, §5.6) — so "this title in this folder" names at most one
// space. A create whose key is already held would only make a renamed duplicate; a create whose
// earlier attempt was lost (a timeout, a reset, a killed process) left a space under exactly that
// key. Checking the key before every POST is what lets a re-run converge instead of duplicating
// (docs/reliability.md "Creates are never duplicated").
//
// Listing every space for every create would cost O(spaces) requests per create, so the listing is
// taken once and shared by all creates of the process (the engine runs many at once), kept fresh by
// what this process creates and trashes, and re-taken after a few minutes. A space someone else
// creates after the listing is caught afterwards: the server renames our newcomer, and the client
// undoes it (see GenieClient.createSpace).
import { normalizeFolder } from "./folders";
import type { GenieSpaceRecord } from "./genie-client";

/** Folder as the API returns it (no `/Workspace` prefix, no trailing slash) + title. */
export function spaceKey(folder: string, title: string): string {
  return `${folder}\u0000${title}`;
}

/** Exactly the title, or the server's same-folder de-dup form `<title> YYYY-MM-DD HH:MM:SS` (docs/genie-api.md §5.6). */
export function isDedupOf(actual: string, wanted: string): boolean {
  return actual.startsWith(`${wanted} `) && /^ \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(actual.slice(wanted.length));
}

const DEFAULT_TTL_MS = 120_000;

interface Snapshot {
  takenAt: number;
  /** key → ids of the spaces holding it. */
  byKey: Map<string, Set<string>>;
  /** title → ids of spaces the listing gave no folder for (the list schema does not promise one). */
  folderUnknown: Map<string, Set<string>>;
}

export class TitleIndex {
  private snapshot?: Promise<Snapshot>;
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Spaces a create in this process returned: another create must never take one over. */
  private readonly claimed = new Set<string>();
  /** Spaces this process trashed: reads may show them live for a while (docs/genie-api.md §5.4). */
  private readonly trashed = new Set<string>();

  constructor(
    private readonly listAll: () => AsyncIterable<GenieSpaceRecord>,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  /** Runs `fn` holding `key`: creates of one key in this process run one after another. */
  async withKey<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(key) === tail) this.locks.delete(key);
    }
  }

  /**
   * Ids of the spaces that may hold the title in the folder: those listed there, plus same-titled
   * ones whose folder the listing did not give (the caller reads them to find out).
   */
  async holders(folder: string, title: string): Promise<string[]> {
    const snap = await this.current();
    const ids = new Set([...(snap.byKey.get(spaceKey(folder, title)) ?? []), ...(snap.folderUnknown.get(title) ?? [])]);
    return [...ids].filter((id) => !this.trashed.has(id));
  }

  /** Ids the current listing holds for the key (to tell a new space from an old one later). */
  async known(folder: string, title: string): Promise<Set<string>> {
    return new Set(await this.holders(folder, title));
  }

  /** A space this process created or adopted through a create. */
  recordCreated(space: GenieSpaceRecord, folder: string): void {
    this.claimed.add(space.space_id);
    this.trashed.delete(space.space_id);
    if (!this.snapshot) return;
    void this.snapshot.then((snap) => add(snap.byKey, spaceKey(folder, space.title), space.space_id));
  }

  isClaimed(id: string): boolean {
    return this.claimed.has(id);
  }

  /** A holder turned out to be gone (trashed, or deleted since the listing). */
  forget(id: string): void {
    if (!this.snapshot) return;
    void this.snapshot.then((snap) => {
      for (const ids of snap.byKey.values()) ids.delete(id);
      for (const ids of snap.folderUnknown.values()) ids.delete(id);
    });
  }

  /** The listing can no longer be trusted (a create's outcome is unknown): the next check lists again. */
  invalidate(): void {
    this.snapshot = undefined;
  }

  recordTrashed(id: string): void {
    this.trashed.add(id);
    this.claimed.delete(id);
    this.forget(id);
  }

  wasTrashed(id: string): boolean {
    return this.trashed.has(id);
  }

  private current(): Promise<Snapshot> {
    const existing = this.snapshot;
    if (existing) {
      return existing.then((snap) => (this.now() - snap.takenAt < this.ttlMs ? snap : this.retake(existing)));
    }
    return this.retake(undefined);
  }

  private retake(stale: Promise<Snapshot> | undefined): Promise<Snapshot> {
    // Concurrent callers that found the same stale snapshot share one new listing.
    if (this.snapshot !== stale && this.snapshot) return this.snapshot;
    const next = this.take();
    this.snapshot = next;
    // A failed listing must not stick: the next create lists again.
    next.catch(() => {
      if (this.snapshot === next) this.snapshot = undefined;
    });
    return next;
  }

  private async take(): Promise<Snapshot> {
    const takenAt = this.now();
    const byKey = new Map<string, Set<string>>();
    const folderUnknown = new Map<string, Set<string>>();
    for await (const s of this.listAll()) {
      if (typeof s.title !== "string") continue;
      if (typeof s.parent_path === "string" && s.parent_path !== "") add(byKey, spaceKey(normalizeFolder(s.parent_path), s.title), s.space_id);
      else add(folderUnknown, s.title, s.space_id);
    }
    return { takenAt, byKey, folderUnknown };
  }
}

function add(map: Map<string, Set<string>>, key: string, id: string): void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(id);
}
