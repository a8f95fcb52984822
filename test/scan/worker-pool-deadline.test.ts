/**
 * A file whose scan runs past the per-file deadline is abandoned: its worker is stopped, the file
 * is reported as an ETIMEDOUT error, and the files queued behind it are still scanned. A scan that
 * stops at its step budget is reported as an ELIMIT error. The deadline here is far below what
 * the slow file needs (tens of seconds of steps), so the outcome does not depend on machine speed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerPool } from '../../agent/scan/worker-pool.js';
import type { WorkerReply } from '../../agent/scan/worker-messages.js';
import { parseSignatureFiles } from '../../scanner/signature-database.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'epq-deadline-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hex = (s: string): string => Buffer.from(s).toString('hex');
const MARKER = ['deadline', 'marker'].join('-');

/** 300 signatures that share the anchor "AB": each AB in a file costs 300 verifications. */
function denseDatabase() {
  const lines = Array.from({ length: 300 }, (_, i) => `Dense.${i}:0:*:4142??${(i & 0xff).toString(16).padStart(2, '0')}${((i >> 8) + 0x10).toString(16)}`);
  return parseSignatureFiles([{ name: 'dense.ndb', data: Buffer.from(`${lines.join('\n')}\nMarker:0:*:${hex(MARKER)}\n`) }]);
}

async function scanAll(pool: WorkerPool, paths: string[]): Promise<Map<string, WorkerReply>> {
  const replies = new Map<string, WorkerReply>();
  for (const p of paths) await pool.submit(p, false, (reply) => replies.set(p, reply));
  await pool.drain();
  return replies;
}

test('a file past the deadline is abandoned as ETIMEDOUT, and the files queued behind it are scanned', async () => {
  const slow = join(dir, 'slow.bin');
  writeFileSync(slow, Buffer.alloc(32 << 20, 'AB'));
  const marked = join(dir, 'marked.txt');
  writeFileSync(marked, `xx ${MARKER} xx`);
  const clean = join(dir, 'clean.txt');
  writeFileSync(clean, 'nothing here');
  const pool = new WorkerPool(1, denseDatabase(), { maxFileSize: 0, noFollow: true }, 300);
  const started = Date.now();
  const replies = await scanAll(pool, [slow, marked, clean]);
  expect(replies.get(slow)).toMatchObject({ ok: false, code: 'ETIMEDOUT', path: slow });
  expect((replies.get(slow) as { message: string }).message).toMatch(/scan abandoned after \d+\.\d s \(the per-file deadline is 0\.3 s\)/);
  expect(replies.get(marked)).toMatchObject({ ok: true, outcome: { detections: [{ signature: 'Marker' }] } });
  expect(replies.get(clean)).toMatchObject({ ok: true, outcome: { detections: [] } });
  // Far below the minute the slow file's steps would take.
  expect(Date.now() - started).toBeLessThan(30_000);
}, 60_000);

test('a file whose scan stops at its step budget is reported as ELIMIT, not as clean', async () => {
  const dense = join(dir, 'dense.bin');
  writeFileSync(dense, Buffer.alloc(1 << 20, 'AB'));
  const pool = new WorkerPool(1, denseDatabase(), { maxFileSize: 0, noFollow: true });
  const replies = await scanAll(pool, [dense]);
  expect(replies.get(dense)).toMatchObject({ ok: false, code: 'ELIMIT' });
  expect((replies.get(dense) as { message: string }).message).toMatch(/body scan cost limit exceeded/);
}, 60_000);
