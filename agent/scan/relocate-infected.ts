import { constants } from 'node:fs';
import { chmod, copyFile, link, lstat, unlink } from 'node:fs/promises';
import { basenameFsPath, fsPathBytes, fsPathOf, joinFsPath, showPath, type FsPath } from '../fs-path.js';

/** What clamscan's --move and --copy do with an infected file. */
export type RelocateMode = 'move' | 'copy';

/** A file that was found infected, with the identity it had when it was read. */
export interface InfectedFile {
  readonly path: FsPath;
  readonly dev: number;
  readonly ino: number;
}

/** The file could not be moved or copied; names the file and the folder. */
export class RelocateError extends Error {
  constructor(readonly path: FsPath, readonly folder: string, reason: string, options?: ErrorOptions) {
    super(`not ${reason}`, options);
    this.name = 'RelocateError';
  }
}

const MAX_NAME_TRIES = 1000;

/**
 * Moves or copies an infected file into `folder` under its own name (NAME.1, NAME.2... when
 * taken: nothing there is ever overwritten). The copy loses every permission but the owner's
 * read, so it cannot be run from there. A move removes the original only if it is still the file
 * that was scanned. Returns the new path.
 * @throws RelocateError when the file changed since the scan, or the copy or move fails.
 */
export async function relocateInfected(file: InfectedFile, folder: string, mode: RelocateMode): Promise<FsPath> {
  const now = await lstat(file.path).catch((err: unknown) => {
    throw new RelocateError(file.path, folder, `${mode}d: ${(err as Error).message}`, { cause: err });
  });
  if (!now.isFile() || now.dev !== file.dev || now.ino !== file.ino) {
    throw new RelocateError(file.path, folder, `${mode}d: the file changed since it was scanned`);
  }
  const target = await placeCopy(file.path, folder, mode === 'move');
  await chmod(target, 0o400);
  if (mode === 'move') {
    await unlink(file.path).catch((err: unknown) => {
      throw new RelocateError(file.path, folder, `moved: copied to ${showPath(target)} but the original could not be removed: ${(err as Error).message}`, { cause: err });
    });
  }
  return target;
}

/** Hard-links (same file system, for a move) or copies without overwriting; returns the path used. */
async function placeCopy(source: FsPath, folder: string, tryLink: boolean): Promise<FsPath> {
  const name = basenameFsPath(source);
  let useLink = tryLink;
  for (let n = 0; n < MAX_NAME_TRIES; n++) {
    const target = joinFsPath(folder, n === 0 ? name : fsPathOf(Buffer.concat([fsPathBytes(name), Buffer.from(`.${n}`)])));
    try {
      if (useLink) await link(source, target);
      else await copyFile(source, target, constants.COPYFILE_EXCL);
      return target;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') continue;
      if (useLink && (code === 'EXDEV' || code === 'EPERM')) {
        useLink = false;
        n--;
        continue;
      }
      throw new RelocateError(source, folder, `placed in ${folder}: ${(err as Error).message}`, { cause: err });
    }
  }
  throw new RelocateError(source, folder, `placed in ${folder}: ${MAX_NAME_TRIES} names taken`);
}
