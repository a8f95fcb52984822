/** Folders made on the way to a file being created: removed again when the creation fails. */
import { basename, dirname } from 'node:path';
import { removeFolderEntry } from './folder-entries.js';
import { withFolderBeneath } from './open-folder-beneath.js';

/**
 * Removes folders that were created (outermost first in `created`), deepest first, stopping at
 * one that is not empty. Each is removed relative to its parent opened beneath `boundary`, never
 * through a link. Never throws.
 */
export function removeCreated(boundary: string, created: readonly string[]): void {
  for (const dir of [...created].reverse()) {
    try {
      withFolderBeneath(boundary, dirname(dir), (parent) => removeFolderEntry(parent, basename(dir)));
    } catch {
      break;
    }
  }
}

/** The parents of the folders created, whose new entries must be fsynced too. */
export function parentsOfCreated(created: readonly string[]): string[] {
  return created.map((d) => dirname(d));
}
