/**
 * Reports a path once it has had no add/change notification for `stableMs`: a file being
 * written keeps being notified, so it is reported once, complete. One timer for every pending
 * path instead of chokidar's awaitWriteFinish, which polls a stat per file every few tens of ms:
 * with 10,000 files moved in at once that was 10,000 timers and stats per tick.
 */
export class SettleTimer {
  private readonly last = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly stableMs: number,
    private readonly report: (path: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** `path` was added or changed just now. */
  touch(path: string): void {
    // Re-inserted so the map stays in order of last notification: the sweep stops at the first young one.
    this.last.delete(path);
    this.last.set(path, this.now());
    this.timer ??= setInterval(() => this.sweep(), Math.max(20, Math.min(100, this.stableMs / 4)));
  }

  /** A removed path is not reported. */
  forget(path: string): void {
    this.last.delete(path);
  }

  get pending(): number {
    return this.last.size;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.last.clear();
  }

  private sweep(): void {
    const cutoff = this.now() - this.stableMs;
    const ready: string[] = [];
    for (const [path, at] of this.last) {
      if (at > cutoff) break;
      ready.push(path);
    }
    for (const path of ready) {
      this.last.delete(path);
      this.report(path);
    }
    if (this.last.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}
