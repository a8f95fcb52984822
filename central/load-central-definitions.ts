import { loadScanDefinitions, type LoadScanDefinitionsOptions } from '../definitions/load-scan-definitions.js';
import { compileEngine } from '../scanner/engine.js';
import type { CentralDefinitions } from './central-quarantine.js';

/**
 * The server's own definitions: the built-in set, a signed package (`defsFile` with trusted
 * keys) or a ClamAV folder, compiled once. They may well be newer than the endpoints'; that is
 * how the server tells a misfire from an infection.
 * @throws what `loadScanDefinitions` throws, naming the file (and line) that is refused.
 */
export async function loadCentralDefinitions(opts: LoadScanDefinitionsOptions): Promise<CentralDefinitions> {
  const defs = await loadScanDefinitions(opts);
  return { engine: compileEngine(defs.database), sequence: defs.sequence, label: defs.label };
}
