/**
 * Using a ClamAV database folder as-is (`epq scan --clamav-db DIR`): every file in it must be a
 * text signature file the engine understands. Container and other formats (.cvd/.cld, .ldb, .ndu,
 * .info, freshclam.dat ...) are refused by name instead of skipped, because a partly loaded
 * database would report files as clean that ClamAV itself detects.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { SignatureFile } from '../scanner/signature-database.js';
import { DEFINITIONS_SIGNATURE_EXTENSIONS, extensionOf } from './definitions-set.js';
import { DefinitionsSourceError } from './errors.js';
import { listFlatFolder } from './source-folder.js';

const READ_CHUNK = 1 << 20;

/**
 * The file as chunks read on demand: ClamAV hash databases run to millions of lines, and holding
 * the text in memory beside the parsed tables would double the memory a load needs.
 * Each chunk is only valid until the next one is read.
 */
function* readChunks(path: string): Generator<Uint8Array> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw new DefinitionsSourceError(path, "can't read it", { cause: err });
  }
  try {
    const buf = new Uint8Array(READ_CHUNK);
    for (;;) {
      let n: number;
      try {
        n = readSync(fd, buf, 0, buf.length, null);
      } catch (err) {
        throw new DefinitionsSourceError(path, "can't read it", { cause: err });
      }
      if (n === 0) return;
      yield buf.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Lists the signature files of a ClamAV database folder, sorted by name, each readable as chunks
 * (reading them throws DefinitionsSourceError for an unreadable file).
 * @throws DefinitionsSourceError for an unreadable or empty folder, a subfolder, or a file whose
 *   extension is not supported (the message lists the supported ones).
 */
export async function readClamavDatabase(dir: string): Promise<SignatureFile[]> {
  const supported = DEFINITIONS_SIGNATURE_EXTENSIONS.join(' ');
  const files = await listFlatFolder(dir, (name) => {
    const ext = extensionOf(name);
    if (DEFINITIONS_SIGNATURE_EXTENSIONS.includes(ext)) return null;
    const hint = ext === '.cvd' || ext === '.cld' ? '; unpack it first (sigtool --unpack) and keep only the supported files' : '';
    return `unsupported ClamAV database file${ext ? ` type ${ext}` : ''} (supported: ${supported})${hint}`;
  });
  if (files.length === 0) throw new DefinitionsSourceError(dir, `holds no signature files (supported: ${supported})`);
  return files.map(({ name, path }) => ({ name, chunks: () => readChunks(path) }));
}
