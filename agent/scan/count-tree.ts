import { walkPaths, type WalkOptions } from './walk.js';

/**
 * Counts the files and bytes a scan of `paths` will read, with the scan's own walk, so that a
 * progress display can give a share and an ETA. Returns null when stopped early (`stopped()`
 * turned true: the scan finished first). Walk errors are the scan's to report; here they are
 * only not counted.
 */
export async function countTree(paths: readonly string[], options: WalkOptions, stopped: () => boolean): Promise<{ files: number; bytes: number } | null> {
  let files = 0;
  let bytes = 0;
  for await (const item of walkPaths(paths, options)) {
    if (stopped()) return null;
    if (item.kind !== 'file') continue;
    files++;
    bytes += item.size;
  }
  return { files, bytes };
}
