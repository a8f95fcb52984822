/** Folders made on the way to a file being created: removed again when the creation fails. */
import { basenameFsPath, dirnameFsPath, type FsPath } from '../fs-path.js';
import { removeFolderEntry } from './folder-entries.js';
import { withFolderBeneath } from './open-folder-beneath.js';

/**
 * Removes folders that were created (outermost first in `created`), deepest first, stopping at
 * one that is not empty. Each is removed relative to its parent opened beneath `boundary`, never
 * through a link. Never throws.
 */
export function removeCreated(boundary: string, created: readonly FsPath[]): void {
  for (const dir of [...created].reverse()) {
    try {
      withFolderBeneath(boundary, dirnameFsPath(dir), (parent) => removeFolderEntry(parent, basenameFsPath(dir)));
    } catch {
      break;
    }
  }
}

/** The parents of the folders created, whose new entries must be fsynced too. */
export function parentsOfCreated(created: readonly FsPath[]): FsPath[] {
  return created.map((d) => dirnameFsPath(d));
}
