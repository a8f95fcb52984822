import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { statSync } from 'node:fs';
import { describeFullDisk, freeBytes } from './disk-space.js';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

/** The agent database could not be opened, migrated or written; names the file. */
export class DatabaseError extends Error {
  /** SQLite's extended result code (`SQLITE_FULL`, `SQLITE_IOERR_SHMSIZE`, `SQLITE_NOTADB`, ...) when SQLite gave one. */
  readonly code: string | undefined;

  /** The disk under the database is full (SQLite reports a full disk as an I/O error at times). */
  readonly full: boolean;

  constructor(readonly path: string, reason: string, options?: { cause?: unknown; full?: boolean }) {
    super(`${path}: ${reason}`, options);
    this.full = options?.full === true;
    this.name = 'DatabaseError';
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }

  /** The file is not a database or is corrupt (as opposed to unreachable or full). */
  get damaged(): boolean {
    return this.code === 'SQLITE_NOTADB' || this.code?.startsWith('SQLITE_CORRUPT') === true;
  }
}

/**
 * `err` from SQLite as a DatabaseError naming the file and saying in words what happened,
 * instead of SQLite's bare "disk I/O error"; any other error is returned as it is.
 * `doing` says what was being done ("record the quarantined file").
 */
export function asDatabaseError(err: unknown, path: string, doing: string): unknown {
  if (err instanceof DatabaseError) return err;
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return err;
  const full = describeFullDisk(dirname(path));
  if (code === 'SQLITE_FULL' || (code.startsWith('SQLITE_IOERR') && full !== null)) {
    return new DatabaseError(path, `${full ?? `the disk holding ${dirname(path)} is full`}; could not ${doing} (${code})`, { cause: err, full: true });
  }
  if (code.startsWith('SQLITE_IOERR')) {
    return new DatabaseError(path, `could not ${doing}: the disk holding the database failed to read or write (${code})`, { cause: err });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return new DatabaseError(path, `the database file is damaged (${code}); could not ${doing}`, { cause: err });
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY')) return new DatabaseError(path, `the database is read-only here (${code}); could not ${doing}`, { cause: err });
  return new DatabaseError(path, `could not ${doing}: ${(err as Error).message} (${code})`, { cause: err });
}

export interface OpenDatabaseOptions {
  /** The caller only reads: on a full disk, the database is opened so that nothing can be written. */
  readonly readOnly?: boolean;
}

/**
 * Opens (creating if needed) the agent database: WAL so readers (the CLI) don't block the agent,
 * synchronous FULL because a committed quarantine record must survive a power cut before the
 * original file is removed, and every pending migration in its own transaction.
 * On a full disk the WAL index (a 32 KiB shared-memory file) can't be created; then the database
 * is opened again in exclusive locking mode, which keeps that index in memory, so that commands
 * still work (`quarantine list`, and writes that fit). No other process can have it open then:
 * one that had would have created the index already.
 * @throws DatabaseError when the file can't be opened, is not a database, or is newer than
 *   this program; on a full disk, saying which folder is full.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  let db: Db;
  try {
    // A normal open on a nearly full disk would use up what is left growing the index before it
    // fails; with too little room for it, go straight to exclusive mode.
    db = connect(path, indexWontFit(path));
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !/^SQLITE_(IOERR_SHM|FULL|IOERR_WRITE|IOERR_TRUNCATE)/.test(code)) throw openError(err, path, 'open the database');
    try {
      db = connect(path, true);
    } catch (again) {
      throw openError(again, path, 'open the database');
    }
  }
  if (options.readOnly && db.pragma('locking_mode', { simple: true }) === 'exclusive') db.pragma('query_only = 1');
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw openError(err, path, 'bring the database up to date (migration)');
  }
  return db;
}

/** The WAL index needs 32 KiB; true when it does not exist whole and the disk has less than twice that. */
function indexWontFit(path: string): boolean {
  let size = 0;
  try {
    size = statSync(`${path}-shm`).size;
  } catch {
    // No index yet.
  }
  const free = freeBytes(dirname(path));
  return size < 32 * 1024 && free !== null && free < 64 * 1024;
}

function connect(path: string, exclusive: boolean): Db {
  const db = new Database(path);
  try {
    // Before the first read: with it, SQLite never creates the shared-memory WAL index.
    if (exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function openError(err: unknown, path: string, doing: string): DatabaseError {
  const typed = asDatabaseError(err, path, doing);
  return typed instanceof DatabaseError ? typed : new DatabaseError(path, `could not ${doing}: ${(err as Error).message}`, { cause: err });
}

function migrate(db: Db): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new DatabaseError(db.name, `database version ${current} is newer than this epq (${MIGRATIONS.length}); upgrade epq`);
  }
  for (let version = current + 1; version <= MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version - 1]!);
      // PRAGMA can't take a bound parameter; the value is our own loop integer.
      db.pragma(`user_version = ${version}`);
    })();
  }
}
