import type { FsPath } from '../fs-path.js';
import { walkPaths } from '../scan/walk.js';

/** Slack for clocks and for the status file being written every couple of seconds. */
const MARGIN_MS = 10_000;

/**
 * Queues files of the protected folders that changed while the agent was not watching: since
 * it was last seen alive (its status file), or all of them if `since` is null and `all` is set.
 * The watcher only reports changes from its start on, so without this a file written during a
 * restart or a crash, or still settling at SIGTERM, would never be scanned. ctime is used
 * because it also moves when a file is renamed into the folder.
 */
export async function queueChangedSince(
  paths: readonly string[],
  exclude: readonly string[],
  since: number,
  push: (path: FsPath) => void,
  shouldStop: () => boolean,
  /** Files already taken care of in their current version (reported by the watcher since). */
  skip: (path: string, ctimeMs: number) => boolean = () => false,
): Promise<number> {
  let queued = 0;
  for await (const item of walkPaths(paths, { followSymlinks: false, exclude })) {
    if (shouldStop()) break;
    // A path in bytes is never among the watcher's (decoded) reports, so it is never skipped.
    if (item.kind === 'file' && item.ctimeMs >= since - MARGIN_MS && (typeof item.path !== 'string' || !skip(item.path, item.ctimeMs))) {
      push(item.path);
      queued++;
    }
  }
  return queued;
}
