import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

/** The agent database could not be opened or migrated; names the file. */
export class DatabaseError extends Error {
  constructor(readonly path: string, reason: string, options?: { cause?: unknown }) {
    super(`${path}: ${reason}`, options);
    this.name = 'DatabaseError';
  }
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
    throw new DatabaseError(path, `can't open the database: ${(err as Error).message}`, { cause: err });
  }
  try {
    migrate(db);
  } catch (err) {
    db.close();
    if (err instanceof DatabaseError) throw err;
    throw new DatabaseError(path, `migration failed: ${(err as Error).message}`, { cause: err });
  }
  return db;
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
