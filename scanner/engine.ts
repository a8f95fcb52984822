import { BodyMatcher } from './body-matcher.js';
import { isSizeWanted, type HashTableData } from './hash-table.js';
import { DEFAULT_SCAN_LIMITS, type ScanLimits } from './scan-limits.js';
import { ScanSession } from './scan-session.js';
import type { SignatureDatabase } from './signature-database.js';
import type { HashAlgorithm, ScanResult } from './types.js';

/**
 * A compiled, immutable signature set. Build a new one to change signatures; sessions of the
 * old engine keep working while the new one is tested, then callers swap the reference.
 */
export class Engine {
  readonly body: BodyMatcher;
  readonly hashTables: readonly HashTableData[];
  readonly allowTables: readonly HashTableData[];
  readonly ignored: ReadonlySet<string>;
  readonly signatureCount: number;

  constructor(readonly database: SignatureDatabase, readonly limits: ScanLimits = DEFAULT_SCAN_LIMITS) {
    this.ignored = new Set(database.ignoredNames);
    this.body = new BodyMatcher(database.bodies.filter((s) => !this.ignored.has(s.name)));
    this.hashTables = database.hashTables;
    this.allowTables = database.allowTables;
    this.signatureCount = database.signatureCount;
    Object.freeze(this);
  }

  /** Digest algorithms a file of this size must be hashed with; empty when no hash signature could match. */
  hashesFor(size: number): HashAlgorithm[] {
    const wanted = new Set<HashAlgorithm>();
    for (const t of this.hashTables) if (isSizeWanted(t, size)) wanted.add(t.algorithm);
    for (const t of this.allowTables) if (isSizeWanted(t, size)) wanted.add(t.algorithm);
    return [...wanted];
  }

  /**
   * Starts a streaming scan of a file whose total size is known (needed for EOF offsets and hash
   * sizes); `limits` replaces the engine's own for this scan (the test-load's stress scan is stricter).
   */
  createScan(size: number, chunk?: number, limits?: ScanLimits): ScanSession {
    return new ScanSession(this, size, chunk, limits);
  }

  scanBuffer(bytes: Uint8Array): ScanResult {
    const session = this.createScan(bytes.length, Math.max(1, bytes.length));
    session.update(bytes);
    return session.finish();
  }
}

/**
 * Compiles a parsed signature database; `limits` bound what one file's scan may cost.
 * Never throws for a database that parsed.
 */
export function compileEngine(database: SignatureDatabase, limits?: ScanLimits): Engine {
  return new Engine(database, limits);
}
