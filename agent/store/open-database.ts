import Database from 'better-sqlite3';
import { dirname } from 'node:path';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

/** The agent database could not be opened, migrated or written; names the file. */
export class DatabaseError extends Error {
  /** SQLite's extended result code (`SQLITE_FULL`, `SQLITE_IOERR_SHMSIZE`, `SQLITE_NOTADB`, ...) when SQLite gave one. */
  readonly code: string | undefined;

  constructor(readonly path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'DatabaseError';
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }

  /** The file is not a database or is corrupt (as opposed to unreachable or full). */
  get damaged(): boolean {
    return this.code === 'SQLITE_NOTADB' || this.code?.startsWith('SQLITE_CORRUPT') === true;
  }

  /** The disk under the database is full (SQLite reports some ENOSPC as an I/O error). */
  get full(): boolean {
    return this.code === 'SQLITE_FULL' || (this.code?.startsWith('SQLITE_IOERR') === true && /ENOSPC|no space/i.test(String((this.cause as Error | undefined)?.message)));
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
  if (code === 'SQLITE_FULL') return new DatabaseError(path, `the disk holding the database is full; could not ${doing}`, { cause: err });
  if (code.startsWith('SQLITE_IOERR')) {
    return new DatabaseError(path, `could not ${doing}: the disk holding the database failed to write or read (${code}); check that it is not full (df ${dirname(path)})`, { cause: err });
  }
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) return new DatabaseError(path, `the database file is damaged (${code}); could not ${doing}`, { cause: err });
  if (code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY')) return new DatabaseError(path, `the database is read-only here (${code}); could not ${doing}`, { cause: err });
  return new DatabaseError(path, `could not ${doing}: ${(err as Error).message} (${code})`, { cause: err });
}

/**
 * Opens (creating if needed) the agent database: WAL so readers (the CLI) don't block the agent,
 * synchronous FULL because a committed quarantine record must survive a power cut before the
 * original file is removed, and every pending migration in its own transaction.
 * @throws DatabaseError when the file can't be opened, is not a database, or is newer than
 *   this program.
 */
export function openDatabase(path: string): Db {
  let db: Db;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw openError(err, path, 'open the database');
  }
  try {
    migrate(db);
  } catch (err) {
    db.close();
    throw openError(err, path, 'bring the database up to date (migration)');
  }
  return db;
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
