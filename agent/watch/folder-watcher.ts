import { watch, type FSWatcher } from 'chokidar';
import { isInside } from '../quarantine/system-path.js';
import { compileExcludes } from '../scan/walk.js';
import { SettleTimer } from './settle-timer.js';

/** The kernel refused more inotify watches; names the sysctl to raise. */
export class WatchLimitError extends Error {
  constructor(readonly path: string, options?: { cause?: unknown }) {
    super(
      `the inotify watch limit was reached while watching ${path}; raise it with ` +
        '`sysctl fs.inotify.max_user_watches=524288` (and fs.inotify.max_user_instances), ' +
        'or put it in /etc/sysctl.d/ to keep it',
      options,
    );
    this.name = 'WatchLimitError';
  }
}

export interface FolderWatcherOptions {
  readonly paths: readonly string[];
  readonly exclude: readonly string[];
  /** Never watched, whatever the config says (the agent's own state folder). */
  readonly alwaysExcluded: readonly string[];
  /** A file is reported once it stopped changing for this long. */
  readonly stableMs: number;
  readonly onFile: (path: string) => void;
  /**
   * A file whose name is not valid UTF-8 changed in `folder` (once stable for `stableMs`).
   * chokidar decodes names as UTF-8 and drops such a file without an event, as the decoded name
   * (with U+FFFD in it) names no file; the caller walks the folder by bytes instead.
   */
  readonly onUnnamed?: (folder: string) => void;
  readonly onError: (err: Error) => void;
}

/**
 * On-access scanning's eyes: chokidar over the protected folders. A file created, changed or
 * moved in is reported once it has had no notification for `stableMs` (SettleTimer), so a
 * file being written is scanned once, complete.
 * @returns the watcher, ready (initial crawl done) when the promise resolves.
 * @throws WatchLimitError when the inotify limit is too low for the folders.
 */
export async function startFolderWatcher(options: FolderWatcherOptions): Promise<FSWatcher> {
  const excluded = compileExcludes(options.exclude);
  const ignored = (path: string): boolean => options.alwaysExcluded.some((dir) => isInside(dir, path)) || excluded(path);
  const watcher = watch([...options.paths], {
    ignoreInitial: true,
    persistent: true,
    followSymlinks: false,
    ignored,
  });
  const settle = new SettleTimer(options.stableMs, (path) => options.onFile(path));
  const onFile = (path: string): void => settle.touch(path);
  watcher.on('add', onFile);
  watcher.on('change', onFile);
  if (options.onUnnamed) watchUnnamed(watcher, options.stableMs, options.onUnnamed);
  watcher.on('unlink', (path) => settle.forget(path));
  const close = watcher.close.bind(watcher);
  watcher.close = async () => {
    settle.stop();
    await close();
  };
  await new Promise<void>((resolve, reject) => {
    const onStartError = (err: unknown): void => reject(toWatchError(err, options.paths));
    watcher.once('error', onStartError);
    watcher.once('ready', () => {
      watcher.off('error', onStartError);
      resolve();
    });
  });
  watcher.on('error', (err) => options.onError(toWatchError(err, options.paths)));
  return watcher;
}

/** Raw notifications whose name did not decode: one call per folder once it has been quiet for `stableMs`. */
function watchUnnamed(watcher: FSWatcher, stableMs: number, onUnnamed: (folder: string) => void): void {
  const timers = new Map<string, NodeJS.Timeout>();
  watcher.on('raw', (_event: string, name: unknown, details: unknown) => {
    const folder = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (typeof name !== 'string' || !name.includes('\uFFFD') || typeof folder !== 'string') return;
    clearTimeout(timers.get(folder));
    timers.set(folder, setTimeout(() => {
      timers.delete(folder);
      onUnnamed(folder);
    }, stableMs).unref());
  });
}

function toWatchError(err: unknown, paths: readonly string[]): Error {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOSPC' || /watchers|ENOSPC/.test(String(e?.message))) return new WatchLimitError(e.path ?? paths.join(', '), { cause: err });
  return e instanceof Error ? e : new Error(String(err));
}
