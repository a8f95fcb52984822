import { lstatSync, statSync } from 'node:fs';
import type { FSWatcher } from 'chokidar';
import { startFolderWatcher, type FolderWatcherOptions } from './folder-watcher.js';

/** Queues files of `paths` changed at or after `since` (ms) unless `skip` covers them; returns how many. */
export type SweepFolders = (paths: readonly string[], since: number, skip: (path: string, ctimeMs: number) => boolean) => Promise<number>;

export interface WatchedFoldersOptions extends FolderWatcherOptions {
  readonly sweep: SweepFolders;
  /** How often the protected folders are checked for being deleted, re-created or created. */
  readonly presenceEveryMs: number;
  /** Told when a protected folder appeared or came back (it is watched again and swept whole). */
  readonly onFolderBack?: (path: string) => void;
}

/** A folder's identity, or null while it does not exist. */
type Presence = string | null;

/**
 * The protected folders under watch, with two things chokidar does not do:
 * - the agent's own writes (its restores into the folders) don't wake the watcher: it is
 *   closed while the agent writes, then started again, and the folders swept for what changed
 *   meanwhile, minus the files the agent wrote in the version it wrote them (ctime), so that
 *   any other write, then or later, is still scanned;
 * - a protected folder deleted and re-created (or missing at start and created later) is
 *   watched again, and what is in it scanned.
 */
export class WatchedFolders {
  private watcher: FSWatcher | null = null;
  private paused = 0;
  private pausedSince = 0;
  private readonly written = new Map<string, number>();
  private presence = new Map<string, Presence>();
  private timer: NodeJS.Timeout | null = null;
  private restarting: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: WatchedFoldersOptions) {}

  /** @throws WatchLimitError (see startFolderWatcher). */
  async start(): Promise<void> {
    this.presence = this.checkPresence();
    this.watcher = await startFolderWatcher(this.options);
    this.timer = setInterval(() => this.notePresence(), this.options.presenceEveryMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.transition(async () => {
      await this.watcher?.close();
      this.watcher = null;
    });
  }

  /** Watcher changes one after another: a close must never race a start into a live watcher left behind. */
  private transition(step: () => Promise<void>): Promise<void> {
    const next = this.restarting.then(step);
    this.restarting = next.catch((err: unknown) => this.options.onError(err as Error));
    return next;
  }

  /** Starts the watcher unless closed meanwhile. */
  private async open(): Promise<void> {
    if (this.closed || this.watcher) return;
    this.watcher = await startFolderWatcher(this.options);
  }

  /**
   * Runs `work` (which writes into the protected folders and returns the host paths it wrote)
   * with the watcher closed; afterwards files changed meanwhile are queued, except those paths
   * as `work` left them.
   */
  async whileWriting<T>(work: () => Promise<{ readonly result: T; readonly wrote: readonly string[] }>): Promise<T> {
    if (this.paused++ === 0) {
      this.pausedSince = Date.now();
      await this.transition(async () => {
        await this.watcher?.close();
        this.watcher = null;
      });
    }
    try {
      const { result, wrote } = await work();
      for (const path of wrote) this.noteWritten(path);
      return result;
    } finally {
      if (--this.paused === 0) await this.resume();
    }
  }

  private noteWritten(path: string): void {
    try {
      this.written.set(path, lstatSync(path).ctimeMs);
    } catch {
      // Gone already: nothing of ours to skip.
    }
  }

  private async resume(): Promise<void> {
    const since = this.pausedSince;
    const written = new Map(this.written);
    this.written.clear();
    await this.transition(() => this.open());
    if (this.closed) return;
    await this.options.sweep(this.options.paths, since, (path, ctimeMs) => written.get(path) === ctimeMs);
  }

  private checkPresence(): Map<string, Presence> {
    const now = new Map<string, Presence>();
    for (const path of this.options.paths) {
      try {
        // The birth time too: a folder deleted and made again at once often gets the same inode
        // number back, and would look unchanged by device and inode alone.
        const s = statSync(path, { bigint: true });
        now.set(path, s.isDirectory() ? `${s.dev}:${s.ino}:${s.birthtimeNs}` : null);
      } catch {
        now.set(path, null);
      }
    }
    return now;
  }

  private notePresence(): void {
    if (this.paused > 0 || this.closed) return;
    const now = this.checkPresence();
    const back = [...now].filter(([path, id]) => id !== null && id !== this.presence.get(path)).map(([path]) => path);
    this.presence = now;
    if (back.length === 0) return;
    void this.transition(() => this.rewatch(back)).catch(() => undefined);
  }

  /** A folder came back: chokidar lost it with its inode, so the watch starts again. */
  private async rewatch(back: readonly string[]): Promise<void> {
    if (this.closed || this.paused > 0) return;
    await this.watcher?.close();
    this.watcher = null;
    await this.open();
    for (const path of back) this.options.onFolderBack?.(path);
    await this.options.sweep(back, -Infinity, () => false);
  }
}
