import { basenameFsPath, dirnameFsPath, type FsPath } from '../fs-path.js';
import type { NativeStat } from '../native/at-calls.js';
import { NotRegularFileError, openRegularForReading } from '../safe-fs/folder-entries.js';
import { withFolderBeneath } from '../safe-fs/open-folder-beneath.js';
import { UnsafePathError } from '../safe-fs/unsafe-path-error.js';
import { QuarantineError } from './quarantine-errors.js';

/** The identity of the folder an original was read from: step 4 removes it only from there. */
export interface FolderIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

/** A detected file open for reading, with its folder's identity and its status to the nanosecond. */
export interface OpenedOriginal {
  readonly fd: number;
  readonly stat: NativeStat;
  readonly folder: FolderIdentity;
}

/**
 * Opens a detected file for reading from its folder, opened beneath the root without following
 * a link a user could have planted, without following a symlink at the file and without
 * opening a FIFO or device: a folder or file swapped after the scan must not make us quarantine
 * something else.
 * @throws QuarantineError `missing` (gone), `type` (a symlink or not a regular file now, or a
 *   symlinked folder on the way), `internal` (other errors).
 */
export function openOriginal(root: string, real: FsPath, systemPath: string): OpenedOriginal {
  try {
    return withFolderBeneath(root, dirnameFsPath(real), (folder) => {
      const { fd, stat } = openRegularForReading(folder, basenameFsPath(real));
      return { fd, stat, folder: { dev: folder.dev, ino: folder.ino } };
    });
  } catch (err) {
    throw asOriginalError(err, systemPath);
  }
}

function asOriginalError(err: unknown, systemPath: string): QuarantineError {
  const code = (err as NodeJS.ErrnoException).code;
  if (err instanceof UnsafePathError) return new QuarantineError('type', `${systemPath}: ${err.message}`, { path: systemPath }, { cause: err });
  if (err instanceof NotRegularFileError && err.code === 'ELOOP') {
    return new QuarantineError('type', `${systemPath} is a symbolic link now; refusing to follow it`, { path: systemPath }, { cause: err });
  }
  if (err instanceof NotRegularFileError) return new QuarantineError('type', `${systemPath} is ${err.fileType}, not a regular file; refusing to open it`, { path: systemPath }, { cause: err });
  if (code === 'ENOENT' || code === 'ENOTDIR') return new QuarantineError('missing', `${systemPath} no longer exists`, { path: systemPath }, { cause: err });
  if (code === 'ELOOP') return new QuarantineError('type', `${systemPath} is a symbolic link now; refusing to follow it`, { path: systemPath }, { cause: err });
  return new QuarantineError('internal', `can't open ${systemPath}: ${(err as Error).message}`, { path: systemPath }, { cause: err });
}
