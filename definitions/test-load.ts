import { compileEngine, type Engine } from '../scanner/engine.js';
import { parseSignatureFiles, type SignatureDatabase } from '../scanner/signature-database.js';
import { runScanCostTest } from './scan-cost-test.js';
import { selectSignatureFiles, type DefinitionsFile } from './definitions-set.js';

/**
 * Loads a set's signature files the way the agent will, so that a set which would fail on an
 * endpoint fails here instead: parse (which checks each signature's cost limits), compile an
 * engine, and scan the stress corpus through it (runScanCostTest).
 * The engine is thrown away; callers that scan compile their own from the returned database.
 * @throws SignatureSyntaxError (from the scanner) naming file and line (and column, for a limit)
 *   for bad syntax or a signature over a limit; ScanCostError when the set as a whole costs too
 *   much to scan; any other error the scanner raises while compiling is passed through unchanged.
 */
export function testLoadDefinitions(files: readonly DefinitionsFile[]): SignatureDatabase {
  return testLoadEngine(files).database;
}

/**
 * As testLoadDefinitions, but keeps the compiled engine for callers that go on scanning with it
 * (the agent's install, the self-test).
 * @throws as testLoadDefinitions.
 */
export function testLoadEngine(files: readonly DefinitionsFile[]): { database: SignatureDatabase; engine: Engine } {
  const database = parseSignatureFiles(selectSignatureFiles(files));
  const engine = compileEngine(database);
  engine.scanBuffer(new Uint8Array(0));
  runScanCostTest(engine);
  return { database, engine };
}
