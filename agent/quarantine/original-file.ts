import { constants, openSync } from 'node:fs';
import type { FsPath } from '../fs-path.js';
import { QuarantineError } from './quarantine-errors.js';

/**
 * Opens a detected file for reading without following a symlink and without blocking on a
 * FIFO: a symlink swapped in after the scan must not make us quarantine its target.
 * @throws QuarantineError `missing` (gone), `type` (a symlink now), `internal` (other errors).
 */
export function openOriginal(real: FsPath, systemPath: string): number {
  try {
    return openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new QuarantineError('missing', `${systemPath} no longer exists`, { path: systemPath }, { cause: err });
    if (code === 'ELOOP') throw new QuarantineError('type', `${systemPath} is a symbolic link now; refusing to follow it`, { path: systemPath }, { cause: err });
    throw new QuarantineError('internal', `can't open ${systemPath}: ${(err as Error).message}`, { path: systemPath }, { cause: err });
  }
}
