import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MIGRATIONS } from '../../agent/store/migrations/index.js';
import { openDatabase } from '../../agent/store/open-database.js';
import { QuarantineRecords } from '../../agent/quarantine/quarantine-records.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Migration 3 (exact path bytes) on a database holding items written at version 2. */
describe('migration 003: path bytes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('epq-mig3-')));
  afterEach(() => cleanup());

  it('keeps version 2 rows as they were, with no bytes, and stores bytes for new rows', () => {
    const path = join(dir, 'agent.db');
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!);
    old.exec(MIGRATIONS[1]!);
    old.pragma('user_version = 2');
    old.prepare(`INSERT INTO quarantine_items (id, phase, file_name, original_path, size, sha256, dev, ino, mode, uid, gid, atime_ms, mtime_ms,
        user_name, computer, quarantined_at, virus_name, detections, definitions_sequence, status, state, restore_target, updated_at)
      VALUES ('00000000000000aa', 'restoring', 'a.com', '/home/u/a.com', 68, 'ab', 1, 2, 420, 0, 0, 1, 2, 'root', 'pc', '2026-01-01T00:00:00.000Z',
        'Eicar', '[]', 3, 'Quarantined', 'infected', '/home/u/a.com', '2026-01-01T00:00:00.000Z')`).run();
    old.close();

    const db = openDatabase(path);
    try {
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      const records = new QuarantineRecords(db);
      const item = records.get('00000000000000aa')!;
      expect(item).toMatchObject({ originalPath: '/home/u/a.com', originalPathBytes: null, restoreTarget: '/home/u/a.com', size: 68, definitionsSequence: 3 });

      const bytes = Buffer.from('/home/u/caf\xe9.com', 'latin1');
      records.insertStored({
        ...item, id: '00000000000000bb', fileName: 'caf\\xe9.com', originalPath: '/home/u/caf\\xe9.com', originalPathBytes: bytes,
      });
      expect(records.beginRestore('00000000000000bb', Buffer.concat([Buffer.from('/r'), bytes]))).toBe(false);
      records.setPhase('00000000000000bb', 'complete');
      expect(records.beginRestore('00000000000000bb', Buffer.concat([Buffer.from('/r'), bytes]))).toBe(true);
      const stored = records.get('00000000000000bb')!;
      expect(stored.originalPathBytes).toEqual(bytes);
      expect(stored.restoreTarget).toEqual(Buffer.concat([Buffer.from('/r'), bytes]));
      expect(db.prepare("SELECT restore_target FROM quarantine_items WHERE id = '00000000000000bb'").pluck().get()).toBe('/r/home/u/caf\\xe9.com');
    } finally {
      db.close();
    }
  });
});
