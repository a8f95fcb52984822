/**
 * Reading a folder of definitions sources (the input of `epq defs build`, and the built-in set).
 *
 * The folder is flat and strict: every entry must be a signature file with a supported extension
 * or `epq-meta.json`. Anything else, subfolders and dotfiles included, is an error naming it,
 * because a file that is silently left out of a package is a detection silently lost.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describeAllowedFiles, describeUnsafeFileName, isSignatureFileName, type DefinitionsFile } from './definitions-set.js';
import { EMPTY_EPQ_META, EPQ_META_FILE_NAME, parseEpqMeta, type EpqMeta } from './epq-meta.js';
import { DefinitionsSourceError, EpqMetaError } from './errors.js';

export interface DefinitionsSource {
  /** Files sorted by name, so that the same folder always makes the same package. */
  readonly files: readonly DefinitionsFile[];
  readonly meta: EpqMeta;
}

/**
 * Lists a flat folder, asking `checkName` about each entry name (null = accepted, else why not).
 * @throws DefinitionsSourceError for an unreadable folder, a subfolder, a refused name, or an
 *   entry that can't be examined.
 */
export async function listFlatFolder(dir: string, checkName: (name: string) => string | null): Promise<{ name: string; path: string }[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    // Missing or not a folder is the whole story; anything else keeps the fs error as the cause.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DefinitionsSourceError(dir, 'folder not found');
    if (code === 'ENOTDIR') throw new DefinitionsSourceError(dir, 'not a folder');
    throw new DefinitionsSourceError(dir, "can't read the folder", { cause: err });
  }
  const entries: { name: string; path: string }[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
      throw new DefinitionsSourceError(path, "can't read it", { cause: err });
    });
    if (info.isDirectory()) throw new DefinitionsSourceError(path, 'subfolders are not supported; the folder must be flat');
    if (!info.isFile()) throw new DefinitionsSourceError(path, 'not a regular file');
    const refused = checkName(name);
    if (refused) throw new DefinitionsSourceError(path, refused);
    entries.push({ name, path });
  }
  return entries;
}

/**
 * Reads a flat folder whole (see `listFlatFolder`).
 * @throws DefinitionsSourceError as `listFlatFolder`, or for an unreadable file.
 */
export async function readFlatFolder(dir: string, checkName: (name: string) => string | null): Promise<DefinitionsFile[]> {
  const files: DefinitionsFile[] = [];
  for (const { name, path } of await listFlatFolder(dir, checkName)) {
    try {
      files.push({ name, data: new Uint8Array(await readFile(path)) });
    } catch (err) {
      throw new DefinitionsSourceError(path, "can't read it", { cause: err });
    }
  }
  return files;
}

/**
 * Reads an epq definitions source folder: signature files plus an optional `epq-meta.json`.
 * @throws DefinitionsSourceError naming the folder or file (unsupported file, subfolder, no
 *   signature files, invalid epq-meta.json with the bad key).
 */
export async function readDefinitionsSource(dir: string): Promise<DefinitionsSource> {
  const files = await readFlatFolder(dir, describeUnsafeFileName);
  if (!files.some((f) => isSignatureFileName(f.name))) {
    throw new DefinitionsSourceError(dir, `holds no signature files (expected ${describeAllowedFiles()})`);
  }
  const metaFile = files.find((f) => f.name === EPQ_META_FILE_NAME);
  let meta = EMPTY_EPQ_META;
  if (metaFile) {
    const metaPath = join(dir, EPQ_META_FILE_NAME);
    try {
      meta = parseEpqMeta(metaFile.data, metaPath);
    } catch (err) {
      if (!(err instanceof EpqMetaError)) throw err;
      throw new DefinitionsSourceError(metaPath, err.key ? `${err.key}: ${err.reason}` : err.reason, { cause: err });
    }
  }
  return { files, meta };
}
