import picomatch from 'picomatch';
import type { Detection } from '../../scanner/types.js';
import type { Db } from '../store/open-database.js';

/** "Allow application": a file hash, a path (or glob), or a signature name never to act on. */
export type ExceptionKind = 'sha256' | 'path' | 'signature';

export interface ExceptionEntry {
  readonly id: number;
  readonly kind: ExceptionKind;
  readonly value: string;
  readonly createdAt: string;
}

/** An exception value that can't be right (a short hash, a relative path). */
export class ExceptionValueError extends Error {
  constructor(readonly kind: ExceptionKind, readonly value: string, reason: string) {
    super(`exception --${kind} ${JSON.stringify(value)}: ${reason}`);
    this.name = 'ExceptionValueError';
  }
}

/**
 * @throws ExceptionValueError for a sha256 that is not 64 hex digits, a relative path, an empty name.
 */
export function normalizeExceptionValue(kind: ExceptionKind, value: string): string {
  const v = value.trim();
  if (kind === 'sha256') {
    if (!/^[0-9a-fA-F]{64}$/.test(v)) throw new ExceptionValueError(kind, value, 'expected 64 hexadecimal digits');
    return v.toLowerCase();
  }
  if (kind === 'path' && !v.startsWith('/')) throw new ExceptionValueError(kind, value, 'expected an absolute path or glob');
  if (v.length === 0) throw new ExceptionValueError(kind, value, 'empty');
  return v;
}

/** Exceptions in the agent database, with prepared statements. */
export class ExceptionList {
  private readonly stmts;

  constructor(db: Db) {
    this.stmts = {
      add: db.prepare('INSERT INTO exceptions (kind, value, created_at) VALUES (@kind, @value, @now) ON CONFLICT (kind, value) DO NOTHING'),
      find: db.prepare('SELECT id, kind, value, created_at AS createdAt FROM exceptions WHERE kind = @kind AND value = @value'),
      all: db.prepare('SELECT id, kind, value, created_at AS createdAt FROM exceptions ORDER BY id'),
      removeById: db.prepare('DELETE FROM exceptions WHERE id = @id'),
    };
  }

  /** Adds (idempotently) and returns the entry. @throws ExceptionValueError */
  add(kind: ExceptionKind, value: string): ExceptionEntry {
    const normalized = normalizeExceptionValue(kind, value);
    this.stmts.add.run({ kind, value: normalized, now: new Date().toISOString() });
    return this.stmts.find.get({ kind, value: normalized }) as ExceptionEntry;
  }

  list(): ExceptionEntry[] {
    return this.stmts.all.all() as ExceptionEntry[];
  }

  remove(id: number): boolean {
    return this.stmts.removeById.run({ id }).changes === 1;
  }

  matcher(): ExceptionMatcher {
    return new ExceptionMatcher(this.list());
  }
}

/**
 * Decides what exceptions cover. A file is excepted by path or hash (all its detections go);
 * a signature exception drops just that signature's detections.
 */
export class ExceptionMatcher {
  private readonly hashes: Set<string>;
  private readonly signatures: Set<string>;
  private readonly paths: ((p: string) => boolean)[];

  constructor(entries: readonly ExceptionEntry[]) {
    this.hashes = new Set(entries.filter((e) => e.kind === 'sha256').map((e) => e.value));
    this.signatures = new Set(entries.filter((e) => e.kind === 'signature').map((e) => e.value));
    this.paths = entries.filter((e) => e.kind === 'path').map((e) => picomatch(e.value, { dot: true }));
  }

  get isEmpty(): boolean {
    return this.hashes.size === 0 && this.signatures.size === 0 && this.paths.length === 0;
  }

  get needsHash(): boolean {
    return this.hashes.size > 0;
  }

  coversPath(systemPath: string): boolean {
    return this.paths.some((m) => m(systemPath));
  }

  /** The detections left after exceptions; `sha256` is computed by the caller only if needed. */
  filter(systemPath: string, detections: readonly Detection[], sha256: () => string): Detection[] {
    if (detections.length === 0 || this.coversPath(systemPath)) return [];
    const left = detections.filter((d) => !this.signatures.has(d.signature));
    if (left.length > 0 && this.hashes.size > 0 && this.hashes.has(sha256())) return [];
    return left;
  }
}
