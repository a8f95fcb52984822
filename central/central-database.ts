import Database from 'better-sqlite3';
import { CentralStoreError } from './central-errors.js';
import { CENTRAL_MIGRATIONS } from './migrations/index.js';

export type CentralDb = Database.Database;

/**
 * Opens (creating) the Central Quarantine database and runs its pending migrations, each in its
 * own transaction. Commits are not fsynced (synchronous NORMAL): a row lost to a power cut is
 * harmless, because start-up drops blobs without rows, and the agent's next status query hears
 * "unknown" for that id and sends the sample again. Every sample thus costs one fsync (its
 * blob), not two.
 * @throws CentralStoreError naming the file when it can't be opened, is not a database, or is
 *   newer than this program.
 */
export function openCentralDatabase(path: string): CentralDb {
  let db: CentralDb;
  try {
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
  } catch (err) {
    throw new CentralStoreError(path, `can't open the database: ${(err as Error).message}`, { cause: err });
  }
  try {
    migrate(db, path);
  } catch (err) {
    db.close();
    if (err instanceof CentralStoreError) throw err;
    throw new CentralStoreError(path, `migration failed: ${(err as Error).message}`, { cause: err });
  }
  return db;
}

function migrate(db: CentralDb, path: string): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > CENTRAL_MIGRATIONS.length) {
    throw new CentralStoreError(path, `database version ${current} is newer than this epq (${CENTRAL_MIGRATIONS.length}); upgrade epq`);
  }
  for (let version = current + 1; version <= CENTRAL_MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(CENTRAL_MIGRATIONS[version - 1]!);
      // PRAGMA can't take a bound parameter; the value is our own loop integer.
      db.pragma(`user_version = ${version}`);
    })();
  }
}
