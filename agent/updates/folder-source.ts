/**
 * A folder used as a definitions source: the package files (`*.epqdefs`) in it, each described
 * by its own header (read without verifying it; install verifies what is picked).
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readPackageHeader } from '../../definitions/package-format.js';
import { SourceUnreachable, type SourceCandidate, type SourceOffer } from './source-offer.js';
import { describeError } from './store-errors.js';

/** Enough for the magic, the largest manifest and the signature line. */
const HEADER_READ_BYTES = 1024 * 1024 + 1024;
const PACKAGE_EXTENSION = '.epqdefs';

/**
 * Lists the packages in `dir`. A file whose header can't be read is skipped (with why), not fatal.
 * @throws SourceUnreachable when the folder is missing, not a folder or unreadable.
 */
export async function readFolderOffer(dir: string): Promise<SourceOffer> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SourceUnreachable(dir, code === 'ENOENT' ? 'folder not found' : code === 'ENOTDIR' ? 'not a folder' : `can't read the folder (${(err as Error).message})`, false);
  }
  const candidates: SourceCandidate[] = [];
  const skipped: string[] = [];
  for (const file of names.filter((n) => n.endsWith(PACKAGE_EXTENSION) && !n.startsWith('.')).sort()) {
    const path = join(dir, file);
    try {
      if (!(await stat(path)).isFile()) continue;
      const { manifest } = readPackageHeader(await readHead(path), path);
      candidates.push({ file, sequence: manifest.sequence, kind: manifest.kind, ...(manifest.baseSequence === undefined ? {} : { baseSequence: manifest.baseSequence }) });
    } catch (err) {
      skipped.push(`${file}: ${describeError(err)}`);
    }
  }
  return { candidates, skipped };
}

/**
 * Reads a whole package file of the folder.
 * @throws SourceUnreachable when it can't be read (e.g. removed since the folder was listed).
 */
export async function readFolderPackage(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new SourceUnreachable(path, `can't read the package (${(err as Error).message})`, false);
  }
}

async function readHead(path: string): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: Buffer.alloc(HEADER_READ_BYTES), position: 0 });
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
