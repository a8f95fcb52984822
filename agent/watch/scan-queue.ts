import { dirname } from 'node:path';

/**
 * Files waiting to be scanned, each at most once, in arrival order. Bounded: past `limit` a
 * path is not queued but its folder is remembered, and the caller walks those folders when the
 * queue has drained, so a burst bigger than memory allows still misses nothing.
 */
export class ScanQueue {
  private readonly pending = new Set<string>();
  private readonly overflowDirs = new Set<string>();
  private waiter: (() => void) | null = null;
  /** Paths refused because the queue was full (their folders get walked). */
  overflowed = 0;

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.pending.size;
  }

  push(path: string): void {
    if (this.pending.has(path)) return;
    if (this.pending.size >= this.limit) {
      this.overflowed++;
      this.overflowDirs.add(dirname(path));
    } else {
      this.pending.add(path);
    }
    this.wake();
  }

  /** Takes up to `max` paths, oldest first. */
  take(max: number): string[] {
    const out: string[] = [];
    for (const p of this.pending) {
      if (out.length >= max) break;
      out.push(p);
    }
    for (const p of out) this.pending.delete(p);
    return out;
  }

  /** Folders to walk because paths in them were refused; cleared on read. */
  takeOverflowDirs(): string[] {
    const dirs = [...this.overflowDirs];
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
