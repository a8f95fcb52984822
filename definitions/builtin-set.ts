/**
 * The built-in definitions set: shipped as source files in `definitions/builtin/` (part of the
 * program, so not a signed package) and used when no package is configured. It holds:
 *   - `Eicar-Test-Signature` (body, at offset 0) and `Eicar-Test-Signature.HDB` (MD5 of the exact
 *     68-byte file): the industry test string, so a fresh install can be checked end to end;
 *   - `Epq.Demo.Marker`, `Epq.Demo.Wildcard` (uses `??`), `Epq.Demo.Gap` (uses `{0-32}`) and
 *     `Epq.Demo.Dropper`: harmless made-up marker strings for demos and tests. The dropper's
 *     epq-meta.json entry names a companion file, to show side-effect handling.
 * Its sequence is 0, so any real package (sequence >= 1) supersedes it.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DefinitionsSet } from './definitions-set.js';
import { DefinitionsSourceError } from './errors.js';
import { readDefinitionsSource } from './source-folder.js';
import { testLoadDefinitions } from './test-load.js';

export const BUILTIN_SEQUENCE = 0;
/** Fixed so that the built-in set reads the same on every machine; bump it when the files change. */
export const BUILTIN_CREATED = '2025-01-01T00:00:00.000Z';

/**
 * Finds the epq package root by walking up from this module to the folder whose package.json is
 * named "epq": the same code runs from `dist/definitions/` (built) and `definitions/` (jest).
 * @throws DefinitionsSourceError when no such folder is found.
 */
export async function findPackageRoot(fromUrl: string = import.meta.url): Promise<string> {
  const start = dirname(fileURLToPath(fromUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'epq') return dir;
    } catch {
      // No (readable) package.json here: keep walking up.
    }
    if (dirname(dir) === dir) throw new DefinitionsSourceError(start, 'cannot find the epq package root (a package.json named "epq") above this folder');
  }
}

/** Folder holding the built-in signature sources. Throws as findPackageRoot. */
export async function findBuiltinFolder(): Promise<string> {
  return join(await findPackageRoot(), 'definitions', 'builtin');
}

/**
 * Loads and test-loads the built-in set.
 * @throws DefinitionsSourceError if the installed files are missing or broken (an installation
 *   problem, since the files are part of the program).
 */
export async function loadBuiltinSet(): Promise<DefinitionsSet> {
  const dir = await findBuiltinFolder();
  const source = await readDefinitionsSource(dir);
  let signatureCount: number;
  try {
    signatureCount = testLoadDefinitions(source.files).signatureCount;
  } catch (err) {
    throw new DefinitionsSourceError(dir, `built-in definitions fail to load: ${(err as Error).message}`, { cause: err });
  }
  return {
    sequence: BUILTIN_SEQUENCE,
    created: BUILTIN_CREATED,
    certified: true,
    files: source.files,
    meta: source.meta,
    signatureCount,
  };
}
