import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openCentralDatabase } from '../../../central/central-database.js';
import { sql as migration1 } from '../../../central/migrations/001-samples.js';
import { SamplePageQuery, SORT_COLUMNS, type SortKey } from '../../../central/console/sample-page-query.js';
import { SampleRecords } from '../../../central/sample-records.js';
import { makeTempDir } from '../../helpers/temp-dir.js';

const attrs = (id: string, over: Partial<Record<string, unknown>> = {}) => ({
  id, checksum: 'a'.repeat(64), size: 10, fileName: `/srv/${id}.bin`, dateQuarantined: '2026-01-01T00:00:00.000Z', virusName: 'Test.Sig',
  sequence: 1, priority: 0, sideEffects: 0, user: 'alice', computer: 'ws-1', address: null, ...over,
});
const verdict = { state: 'infected', status: 'Unneeded', virus: 'Test.Sig', scanSequence: 2, definitionsNeeded: null, errors: [] };

describe('central migration 002 (console)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('epq-console-mig-')));
  afterEach(async () => cleanup());

  it('brings a version-1 store with samples to version 2, keeping every row, and the pages read from the indexes', () => {
    const path = join(dir, 'central.db');
    const old = new Database(path);
    old.exec(migration1);
    old.prepare(`INSERT INTO samples (id, checksum, size, file_name, user_name, computer, date_quarantined, date_received, priority, side_effects,
      endpoint_virus, state, status, virus) VALUES ('old1', '${'b'.repeat(64)}', 5, '/a', 'bob', 'ws-9', '2025-01-01', '2025-01-02', 0, 0, 'V', 'misfired', 'Needed', 'V')`).run();
    old.pragma('user_version = 1');
    old.close();
    const db = openCentralDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    const records = new SampleRecords(db);
    expect(records.get('old1')).toMatchObject({ fileName: '/a', user: 'bob', status: 'Needed', state: 'misfired' });
    expect(records.history.transitionsOf('old1')).toEqual([]);
    // Rows from before the migration are in the search index.
    expect(new SamplePageQuery(db).read({ sort: 'age', descending: true, status: null, state: null, search: 'ws-9', page: 0, pageSize: 50 }).rows.map((r) => r.id)).toEqual(['old1']);
    for (const [key, column] of Object.entries(SORT_COLUMNS)) {
      const plan = db.prepare(`EXPLAIN QUERY PLAN SELECT id FROM samples ORDER BY ${column} DESC, id DESC LIMIT 50`).all() as { detail: string }[];
      const text = plan.map((p) => p.detail).join('; ');
      expect([key, text]).toEqual([key, expect.stringMatching(/USING (COVERING )?INDEX samples_by_/)]);
      expect(text).not.toMatch(/TEMP B-TREE/);
    }
    db.close();
  });

  it('records each status transition with its time and reason, and forgets them with the sample', () => {
    const db = openCentralDatabase(join(dir, 'central.db'));
    const records = new SampleRecords(db);
    records.insert(attrs('s1') as never, { ...verdict, status: 'Needed', state: 'misfired' }, '2026-02-01T00:00:00.000Z');
    records.setStatus('s1', 'Released', '2026-02-02T00:00:00.000Z', 'queued');
    records.setVerdict('s1', { ...verdict }, '2026-02-03T00:00:00.000Z');
    records.setVerdict('s1', { ...verdict }, '2026-02-04T00:00:00.000Z');
    expect(records.history.transitionsOf('s1')).toEqual([
      { from: null, to: 'Quarantined', at: '2026-02-01T00:00:00.000Z', reason: 'received from ws-1' },
      { from: 'Quarantined', to: 'Needed', at: '2026-02-01T00:00:00.000Z', reason: 'scanned: misfired' },
      { from: 'Needed', to: 'Released', at: '2026-02-02T00:00:00.000Z', reason: 'queued' },
      { from: 'Released', to: 'Unneeded', at: '2026-02-03T00:00:00.000Z', reason: 'analysed with definitions 2: infected' },
    ]);
    records.remove('s1');
    expect(records.history.transitionsOf('s1')).toEqual([]);
    db.close();
  });

  it('pages, sorts, filters and searches exactly as sorting all rows in memory would', () => {
    const db = openCentralDatabase(join(dir, 'central.db'));
    const records = new SampleRecords(db);
    let seed = 7;
    const rand = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const names = ['alpha', 'beta', 'gamma_1', 'delta%', 'eps'];
    for (let i = 0; i < 230; i++) {
      records.insert(attrs(`id${i}`, { fileName: `/x/${names[rand(5)]}-${rand(40)}`, user: rand(4) === 0 ? null : `u${rand(6)}`, computer: `c${rand(5)}`, dateQuarantined: `2026-0${1 + rand(9)}-1${rand(9)}T00:00:00.000Z` }) as never,
        { ...verdict, status: ['Needed', 'Unneeded', 'Attention'][rand(3)]!, virus: `V${rand(7)}`, definitionsNeeded: rand(2) ? null : rand(9) }, '2026-03-01T00:00:00.000Z');
    }
    const all = db.prepare('SELECT * FROM samples').all() as Record<string, string | number | null>[];
    const query = new SamplePageQuery(db);
    const cmp = (a: string | number | null, b: string | number | null): number => (a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1);
    for (const sort of Object.keys(SORT_COLUMNS) as SortKey[]) {
      for (const [status, search] of [[null, null], ['Needed', null], [null, 'delta%'], ['Attention', 'a_1'], [null, 'u1'], [null, 'V3'], [null, 'ta"x'], [null, 'ws-']] as const) {
        const col = SORT_COLUMNS[sort];
        const expected = all
          .filter((r) => (status === null || r.status === status) && (search === null || [r.file_name, r.user_name, r.computer, r.virus].some((v) => typeof v === 'string' && v.includes(search))))
          .sort((a, b) => -(cmp(a[col]!, b[col]!) || cmp(a.id!, b.id!)))
          .map((r) => r.id);
        const got: string[] = [];
        for (let page = 0; ; page++) {
          const { rows, total } = query.read({ sort, descending: true, status, state: null, search, page, pageSize: 40 });
          expect(total).toBe(expected.length);
          got.push(...rows.map((r) => r.id));
          if (rows.length < 40) break;
        }
        expect([sort, status, search, got]).toEqual([sort, status, search, expected]);
      }
    }
    // The search index follows updates and deletes.
    const query2 = (search: string): string[] => query.read({ sort: 'age', descending: false, status: null, state: null, search, page: 0, pageSize: 500 }).rows.map((r) => r.id);
    records.setVerdict('id5', { ...verdict, virus: 'Renamed.Virus' }, '2026-03-02T00:00:00.000Z');
    expect(query2('renamed.vir')).toEqual(['id5']);
    records.remove('id5');
    expect(query2('renamed.vir')).toEqual([]);
    db.close();
  });
});
