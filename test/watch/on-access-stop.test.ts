/**
 * Stopping the on-access scanner (what the agent does on SIGTERM) while a worker is deep in one
 * slow file: the file is abandoned after the stop grace and put back in the queue (the agent
 * saves the queue for its next start), so the stop never waits for the file's whole scan.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnAccessScanner, STOP_GRACE_MS } from '../../agent/watch/on-access-scanner.js';
import { ScanQueue } from '../../agent/watch/scan-queue.js';
import { parseSignatureFiles } from '../../scanner/signature-database.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'epq-stop-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('stop abandons a file still scanning after the grace and keeps it queued for the next start', async () => {
  // 300 signatures share the anchor "AB": 64 MiB of "AB" takes minutes of steps, far past the grace.
  const lines = Array.from({ length: 300 }, (_, i) => `Dense.${i}:0:*:4142??${(i & 0xff).toString(16).padStart(2, '0')}${((i >> 8) + 0x10).toString(16)}`);
  const database = parseSignatureFiles([{ name: 'dense.ndb', data: Buffer.from(`${lines.join('\n')}\n`) }]);
  const slow = join(dir, 'slow.bin');
  writeFileSync(slow, Buffer.alloc(64 << 20, 'AB'));
  const queue = new ScanQueue(100);
  const events: unknown[] = [];
  const scanner = new OnAccessScanner({ queue, maxFileSize: 0, exclude: [], events: (e) => events.push(e), onDetected: async () => {} }, 1);
  scanner.useDatabase(database);
  scanner.start();
  queue.push(slow);
  const deadline = Date.now() + 20_000;
  while (queue.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  expect(queue.size).toBe(0);
  const stopping = Date.now();
  await scanner.stop();
  const took = Date.now() - stopping;
  expect(took).toBeLessThan(STOP_GRACE_MS + 15_000);
  expect(queue.take(10)).toEqual([slow]);
  expect(events).toEqual([]);
  expect(scanner.scanned).toBe(0);
}, 60_000);
