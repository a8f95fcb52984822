import { dirnameFsPath, fsPathKey, type FsPath } from '../fs-path.js';

/**
 * Files waiting to be scanned, each at most once, in arrival order. Bounded: past `limit` a
 * path is not queued but its folder is remembered, and the caller walks those folders when the
 * queue has drained, so a burst bigger than memory allows still misses nothing.
 */
export class ScanQueue {
  // Keyed by fsPathKey: paths are exact, in bytes when a name is not valid UTF-8.
  private readonly pending = new Map<string, FsPath>();
  private readonly overflowDirs = new Map<string, FsPath>();
  private waiter: (() => void) | null = null;
  /** Paths refused because the queue was full (their folders get walked). */
  overflowed = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.pending.size;
  }

  push(path: FsPath): void {
    const key = fsPathKey(path);
    if (this.pending.has(key)) return;
    if (this.pending.size >= this.limit) {
      this.overflowed++;
      this.pushFolder(dirnameFsPath(path));
    } else {
      this.pending.set(key, path);
    }
    this.wake();
  }

  /**
   * Queues a folder to be walked (by bytes) rather than a file: for a queue that is full, or for
   * a change the watcher could not name exactly (a name that is not valid UTF-8).
   */
  pushFolder(dir: FsPath): void {
    this.overflowDirs.set(fsPathKey(dir), dir);
    this.wake();
  }

  /** Takes up to `max` paths, oldest first. */
  take(max: number): FsPath[] {
    const out: [string, FsPath][] = [];
    for (const entry of this.pending) {
      if (out.length >= max) break;
      out.push(entry);
    }
    for (const [key] of out) this.pending.delete(key);
    return out.map(([, p]) => p);
  }

  /** Folders to walk because paths in them were refused; cleared on read. */
  takeOverflowDirs(): FsPath[] {
    const dirs = [...this.overflowDirs.values()];
    this.overflowDirs.clear();
    return dirs;
  }

  get hasOverflow(): boolean {
    return this.overflowDirs.size > 0;
  }

  /** Resolves when something is queued (or `wake` is called to stop waiting). */
  async waitForWork(): Promise<void> {
    if (this.pending.size > 0 || this.overflowDirs.size > 0) return;
    await new Promise<void>((resolve) => (this.waiter = resolve));
  }

  wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }
}
