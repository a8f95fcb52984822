/**
 * The self-test every definitions set must pass before an agent uses it: its engine must detect
 * the EICAR anti-virus test file. A set that can't see EICAR is broken (truncated, emptied, or an
 * allow list that clears everything), and installing it would silently turn detection off.
 */
import type { Engine } from '../scanner/engine.js';
import type { SignatureDatabase } from '../scanner/signature-database.js';
import type { DefinitionsFile } from './definitions-set.js';
import { DefinitionsPackageError } from './errors.js';
import { testLoadEngine } from './test-load.js';

/** The 68-byte EICAR test file, assembled at run time so the literal never sits in a file of ours. */
export function eicarTestFile(): Uint8Array {
  return new TextEncoder().encode(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'].join(''));
}

/** Null when the engine detects EICAR; otherwise why the self-test failed. Does not throw. */
export function selfTestFailure(engine: Engine): string | null {
  const result = engine.scanBuffer(eicarTestFile());
  if (result.allowListed) return 'self-test failed: EICAR not detected (an allow-list entry clears it)';
  if (result.detections.length === 0) return 'self-test failed: EICAR not detected';
  return null;
}

/** A set ready to scan with: parsed, compiled and self-tested. */
export interface TestedDefinitions {
  readonly database: SignatureDatabase;
  readonly engine: Engine;
}

/**
 * Parses and compiles a set's signatures and runs the self-test: what the agent does before it
 * uses a set, whatever its origin (a new package, a stored set, the built-in one).
 * @throws DefinitionsPackageError naming `path`: `signatures fail to load: FILE:LINE: ...` or
 *   `self-test failed: EICAR not detected`.
 */
export function compileAndSelfTest(files: readonly DefinitionsFile[], path: string): TestedDefinitions {
  let tested: TestedDefinitions;
  try {
    tested = testLoadEngine(files);
  } catch (err) {
    throw new DefinitionsPackageError(path, `signatures fail to load: ${(err as Error).message}`, { cause: err });
  }
  const failure = selfTestFailure(tested.engine);
  if (failure) throw new DefinitionsPackageError(path, failure);
  return tested;
}
