/**
 * The kernel queues at most `fs.inotify.max_queued_events` (16,384 by default) notifications
 * and drops the rest on overflow, and Node's watcher never says that it happened. Each written
 * file costs about three, so a burst of a few thousand files can lose some silently. After a
 * burst, once it has been quiet for a moment, the protected folders are swept for files changed
 * since the burst began that the watcher never reported (in that version): those are queued.
 */
export interface BurstSweepOptions {
  /** Reports within `windowMs` that make a burst. */
  readonly threshold: number;
  readonly windowMs: number;
  /** Quiet time after the last report before the sweep runs. */
  readonly quietMs: number;
  /** Walks the protected folders: files changed at or after `since` (ms) that `seen` does not cover. */
  readonly sweep: (since: number, seen: ReadonlyMap<string, number>) => Promise<void>;
  readonly now?: () => number;
}

/** How far before the burst's first report its first write may lie (the stability wait and clock slack). */
const LEAD_MS = 5_000;

export class BurstSweeper {
  private windowStart = 0;
  private count = 0;
  private burstSince: number | null = null;
  private quiet: NodeJS.Timeout | null = null;
  private readonly seen = new Map<string, number>();
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: BurstSweepOptions) {}

  /** The watcher reported `path` (created or changed, and stable). */
  note(path: string): void {
    if (this.stopped) return;
    const now = (this.options.now ?? Date.now)();
    if (this.burstSince === null && now - this.windowStart > this.options.windowMs) {
      this.windowStart = now;
      this.count = 0;
      // Only reports from the lead time before a window on can matter to a burst starting in it.
      for (const [path, at] of this.seen) {
        if (at < now - LEAD_MS - this.options.windowMs) this.seen.delete(path);
      }
    }
    this.seen.set(path, now);
    this.count++;
    if (this.burstSince === null && this.count >= this.options.threshold) this.burstSince = this.windowStart - LEAD_MS;
    if (this.burstSince !== null) this.armQuietTimer();
  }

  /** Resolves when no sweep is running. */
  idle(): Promise<void> {
    return this.running;
  }

  stop(): void {
    this.stopped = true;
    if (this.quiet) clearTimeout(this.quiet);
  }

  private armQuietTimer(): void {
    if (this.quiet) clearTimeout(this.quiet);
    this.quiet = setTimeout(() => this.startSweep(), this.options.quietMs);
    this.quiet.unref();
  }

  private startSweep(): void {
    const since = this.burstSince!;
    const seen = new Map(this.seen);
    this.burstSince = null;
    this.windowStart = 0;
    this.running = this.running.then(() => (this.stopped ? undefined : this.options.sweep(since, seen))).catch(() => undefined);
  }
}
