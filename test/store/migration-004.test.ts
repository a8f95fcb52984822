import Database from 'better-sqlite3';
import { join } from 'node:path';
import { MIGRATIONS } from '../../agent/store/migrations/index.js';
import { openDatabase } from '../../agent/store/open-database.js';
import { QuarantineRecords } from '../../agent/quarantine/quarantine-records.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Migration 4 on a database at version 3 holding items: their times carried over, nothing lost. */
describe('migration 004: nanosecond times', () => {
  it('keeps every row (and its path bytes) and gives it the microsecond its milliseconds held, as nanoseconds', async () => {
    const { dir, cleanup } = await makeTempDir('epq-migrate-');
    try {
      const path = join(dir, 'agent.db');
      const old = new Database(path);
      for (const sql of MIGRATIONS.slice(0, 3)) old.exec(sql);
      old.pragma('user_version = 3');
      const insert = old.prepare(`INSERT INTO quarantine_items (id, phase, file_name, original_path, original_path_bytes, size, sha256, dev, ino, mode, uid, gid,
          atime_ms, mtime_ms, user_name, computer, quarantined_at, virus_name, detections, definitions_sequence, status, state, updated_at)
        VALUES (@id, 'complete', 'f', @originalPath, @originalPathBytes, 1, 'aa', 1, 2, 420, 0, 0, @atimeMs, @mtimeMs, 'root', 'h', '2026-01-01T00:00:00.000Z', 'V', '[]', 1,
          'Quarantined', 'infected', '2026-01-01T00:00:00.000Z')`);
      const bytes = Buffer.from('/caf\xe9.com', 'latin1');
      // What Node's Stats gave for mtimes of ...123456789 ns and a whole second.
      insert.run({ id: 'a', originalPath: '/caf\\xe9.com', originalPathBytes: bytes, atimeMs: 1700000000123.4568, mtimeMs: 1600000000987.6543 });
      insert.run({ id: 'b', originalPath: '/f', originalPathBytes: null, atimeMs: 1000, mtimeMs: 0 });
      old.close();

      const db = openDatabase(path);
      expect(db.pragma('user_version', { simple: true })).toBe(4);
      const records = new QuarantineRecords(db);
      expect(records.get('a')).toMatchObject({ atimeMs: 1700000000123.4568, atimeNs: '1700000000123457000', mtimeNs: '1600000000987654000', originalPathBytes: bytes });
      expect(records.get('b')).toMatchObject({ atimeNs: '1000000000', mtimeNs: '0', originalPath: '/f', originalPathBytes: null });
      expect(records.all().map((i) => i.id).sort()).toEqual(['a', 'b']);
      db.close();
    } finally {
      await cleanup();
    }
  });
});
