import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileEngine } from '../../scanner/engine.js';
import { parseSignatureFiles } from '../../scanner/signature-database.js';
import { ExceptionMatcher } from '../../agent/exceptions/exception-list.js';
import { rescanQuarantine, type RescanOutcome } from '../../agent/quarantine/rescan-quarantine.js';
import { WorkerPool } from '../../agent/scan/worker-pool.js';
import { makeStoreFixture } from './store-fixture.js';

const hex = (s: string): string => Buffer.from(s).toString('hex');
const KEPT = ['still', 'bad', 'marker'].join('-');
const CLEARED = ['false', 'positive', 'marker'].join('-');

function databaseOf(ndb: string) {
  return parseSignatureFiles([{ name: 'test.ndb', data: Buffer.from(ndb) }]);
}

/**
 * The rescan after a definitions update, on this thread and in scan worker threads: the same
 * verdicts either way, a tampered package reported rather than fatal, nothing ever written in
 * clear to the disk except the restored file itself.
 */
describe.each([
  ['on the calling thread', false],
  ['in scan worker threads', true],
])('rescanQuarantine %s', (_label, useWorkers) => {
  let fx: Awaited<ReturnType<typeof makeStoreFixture>>;
  beforeEach(async () => {
    fx = await makeStoreFixture();
  });
  afterEach(() => fx.cleanup());

  it('keeps what is still detected (new name and sequence), restores what is not, reports a tampered package', async () => {
    const store = await fx.open();
    const detected = [{ signature: 'Old.Sig', kind: 'body' as const, offset: 0 }];
    const ids: Record<string, string> = {};
    const contentOf = (body: string): Buffer => Buffer.concat([Buffer.from(body), Buffer.alloc(200_000, body.length)]);
    for (const [name, body] of [['kept', `x ${KEPT} y`], ['cleared', `a ${CLEARED} b`], ['tampered', `t ${KEPT} t`]] as const) {
      await fx.writeSystemFile(`/data/${name}.bin`, contentOf(body));
      ids[name] = (await store.quarantine({ path: `/data/${name}.bin`, detections: detected, definitionsSequence: 1 })).item.id;
    }
    const blob = store.blobPath(ids['tampered']!);
    const bytes = readFileSync(blob);
    bytes[bytes.length >> 1]! ^= 0x20;
    writeFileSync(blob, bytes);

    const database = databaseOf(`New.Sig:0:*:${hex(KEPT)}\n`);
    const pool = useWorkers ? new WorkerPool(2, database, { maxFileSize: 1 << 30, noFollow: true }) : undefined;
    let outcomes: RescanOutcome[];
    try {
      outcomes = await rescanQuarantine(store, { engine: compileEngine(database), sequence: 2, exceptions: new ExceptionMatcher([]), autoRestore: true, ...(pool && { scanner: pool }) });
    } finally {
      await pool?.close();
    }
    const byId = new Map(outcomes.map((o) => [o.id, o]));
    expect(byId.get(ids['kept']!)).toMatchObject({ result: 'still-detected', detections: [{ signature: 'New.Sig', offset: 2 }] });
    expect(store.records.get(ids['kept']!)).toMatchObject({ virusName: 'New.Sig', definitionsSequence: 2, phase: 'complete' });
    expect(byId.get(ids['cleared']!)).toMatchObject({ result: 'restored' });
    expect(store.records.get(ids['cleared']!)).toMatchObject({ phase: 'restored', state: 'misfired' });
    expect(readFileSync(join(fx.root, 'data/cleared.bin'))).toEqual(contentOf(`a ${CLEARED} b`));
    expect(byId.get(ids['tampered']!)).toMatchObject({ result: 'error' });
    expect(store.records.get(ids['tampered']!)!.errors.map((e) => e.word)).toContain('content');
    expect(existsSync(join(fx.root, 'data/kept.bin'))).toBe(false);
    expect(existsSync(join(fx.root, 'data/tampered.bin'))).toBe(false);
    store.close();
  });
});

describe('WorkerPool package scans', () => {
  it('reports a package that is gone as missing, and refuses work once closed', async () => {
    const fx = await makeStoreFixture();
    try {
      const store = await fx.open();
      await fx.writeSystemFile('/data/a.bin', `x ${KEPT}`);
      const { item } = await store.quarantine({ path: '/data/a.bin', detections: [{ signature: 'S', kind: 'body', offset: 0 }], definitionsSequence: 1 });
      const pool = new WorkerPool(1, databaseOf(`New.Sig:0:*:${hex(KEPT)}\n`), { maxFileSize: 1 << 30, noFollow: true });
      const result = await new Promise<unknown>((resolve) => void pool.submitPackage(join(fx.dir, 'no-such-blob'), store.key, item, resolve));
      expect(result).toBeInstanceOf(Error);
      expect(result).toMatchObject({ word: 'missing' });
      await pool.close();
      await expect(pool.submitPackage(store.blobPath(item.id), store.key, item, () => undefined)).rejects.toThrow(/closed/);
      store.close();
    } finally {
      await fx.cleanup();
    }
  });
});

describe('rescan of a file the engine could not fully judge', () => {
  it('keeps it in quarantine with an error, rather than restoring it as clean', async () => {
    const fx = await makeStoreFixture();
    try {
      const store = await fx.open();
      // Dense hits: each "AB" hits 50 parts that share the anchor; the budget below ends the scan early.
      await fx.writeSystemFile('/data/dense.bin', Buffer.alloc(1 << 18, 'AB'));
      const { item } = await store.quarantine({ path: '/data/dense.bin', detections: [{ signature: 'Old.Sig', kind: 'body', offset: 0 }], definitionsSequence: 1 });
      const lines = Array.from({ length: 50 }, (_, i) => `Dense.${i}:0:*:4142??${(i + 16).toString(16)}\n`).join('');
      const engine = compileEngine(databaseOf(lines), { workBase: 1 << 14, workPerByte: 1, pendingHits: 4096 });
      const outcomes = await rescanQuarantine(store, { engine, sequence: 2, exceptions: new ExceptionMatcher([]), autoRestore: true });
      expect(outcomes).toMatchObject([{ id: item.id, result: 'error' }]);
      expect(store.records.get(item.id)).toMatchObject({ phase: 'complete' });
      expect(store.records.get(item.id)!.errors).toMatchObject([{ word: 'internal', message: expect.stringMatching(/rescan failed: body scan cost limit exceeded/) }]);
      expect(existsSync(join(fx.root, 'data/dense.bin'))).toBe(false);
      store.close();
    } finally {
      await fx.cleanup();
    }
  });
});
