/**
 * Using a ClamAV database folder as-is (`epq scan --clamav-db DIR`): every file in it must be a
 * text signature file the engine understands. Container and other formats (.cvd/.cld, .ldb, .ndu,
 * .info, freshclam.dat ...) are refused by name instead of skipped, because a partly loaded
 * database would report files as clean that ClamAV itself detects.
 */
import { DEFINITIONS_SIGNATURE_EXTENSIONS, extensionOf, type DefinitionsFile } from './definitions-set.js';
import { DefinitionsSourceError } from './errors.js';
import { readFlatFolder } from './source-folder.js';

/**
 * Reads all signature files of a ClamAV database folder, sorted by name.
 * @throws DefinitionsSourceError for an unreadable or empty folder, a subfolder, or a file whose
 *   extension is not supported (the message lists the supported ones).
 */
export async function readClamavDatabase(dir: string): Promise<DefinitionsFile[]> {
  const supported = DEFINITIONS_SIGNATURE_EXTENSIONS.join(' ');
  const files = await readFlatFolder(dir, (name) => {
    const ext = extensionOf(name);
    if (DEFINITIONS_SIGNATURE_EXTENSIONS.includes(ext)) return null;
    const hint = ext === '.cvd' || ext === '.cld' ? '; unpack it first (sigtool --unpack) and keep only the supported files' : '';
    return `unsupported ClamAV database file${ext ? ` type ${ext}` : ''} (supported: ${supported})${hint}`;
  });
  if (files.length === 0) throw new DefinitionsSourceError(dir, `holds no signature files (supported: ${supported})`);
  return files;
}
