/**
 * Update checks against a folder and a real HTTP server on 127.0.0.1 (port 0).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { installDefinitions } from '../../agent/updates/install-definitions.js';
import { rollbackDefinitions } from '../../agent/updates/rollback-definitions.js';
import type { SourceCandidate } from '../../agent/updates/source-offer.js';
import { checkForUpdates, planUpdate, readLastCheck, startUpdatePolling, type CheckResult } from '../../agent/updates/update-source.js';
import { detect, eventNames, makePublisher, markerOf, openContext, removeDir, tempDir, type Publisher, usePublisherFixture } from './helpers.js';

let root: string;
let pub: Publisher;
let state: string;

usePublisherFixture((fx) => ({ root, pub, state } = fx));

async function folderWith(name: string, files: readonly string[]): Promise<string> {
  const dir = join(root, name);
  await mkdir(dir);
  for (const f of files) await copyFile(f, join(dir, basename(f)));
  return dir;
}

describe('planUpdate', () => {
  const full = (sequence: number): SourceCandidate => ({ file: `f${sequence}`, sequence, kind: 'full' });
  const inc = (baseSequence: number, sequence: number): SourceCandidate => ({ file: `i${baseSequence}-${sequence}`, sequence, kind: 'incremental', baseSequence });
  const files = (plan: SourceCandidate[]): string[] => plan.map((c) => c.file);

  test('the highest reachable sequence, preferring incremental chains', () => {
    expect(files(planUpdate(7, [full(8), full(9), full(6)]))).toEqual(['f9']);
    expect(files(planUpdate(7, [inc(7, 8), inc(8, 9), full(9)]))).toEqual(['i7-8', 'i8-9']);
    expect(files(planUpdate(7, [inc(6, 8), full(8), inc(8, 9)]))).toEqual(['f8', 'i8-9']);
    expect(files(planUpdate(7, [inc(6, 9), full(8)]))).toEqual(['f8']);
    expect(planUpdate(9, [full(8), full(9), inc(8, 9)])).toEqual([]);
    expect(files(planUpdate(7, [full(8), full(9)], [9]))).toEqual(['f8']);
  });
});

describe('folder source', () => {
  test('picks the newest valid package by its header, skips junk, then is up to date', async () => {
    const { ctx, events } = await openContext(state, [pub.trusted]);
    const dir = await folderWith(`folder-${Date.now()}`, [await pub.full(3), await pub.full(5), await pub.full(4)]);
    // Names say nothing: the headers decide. A file that is not a package is skipped.
    await writeFile(join(dir, 'zzz-99.epqdefs'), 'not a package');
    await writeFile(join(dir, 'notes.txt'), 'ignored');
    const first = await checkForUpdates({ ...ctx, source: dir });
    expect(first).toMatchObject({ result: 'installed', sequence: 5, activeSequence: 5, source: dir, packages: [join(dir, 'publisher-defs-5.epqdefs')] });
    expect(first.skipped).toEqual([expect.stringMatching(/^zzz-99\.epqdefs: not an epq definitions package/)]);
    expect(detect(ctx, markerOf(5))).toEqual(['Marker.5']);
    expect(eventNames(events)).toEqual(['new certified definitions arrived', 'definitions installed']);
    const again = await checkForUpdates({ ...ctx, source: dir });
    expect(again).toMatchObject({ result: 'up-to-date', sequence: 5, activeSequence: 5 });
    expect(again.reason).toBeUndefined();
    expect(await readLastCheck(ctx.store)).toEqual(JSON.parse(JSON.stringify(again)));
  });

  test('applies a chain of incrementals from the active sequence in order', async () => {
    const { ctx } = await openContext(state, [pub.trusted]);
    await installDefinitions(await pub.full(7), ctx);
    const dir = await folderWith(`chain-${Date.now()}`, [await pub.incremental(7, 8), await pub.incremental(8, 9), await pub.incremental(5, 6)]);
    const result = await checkForUpdates({ ...ctx, source: dir });
    expect(result).toMatchObject({ result: 'installed', sequence: 9, packages: [join(dir, 'publisher-defs-7-8.epqdefs'), join(dir, 'publisher-defs-8-9.epqdefs')] });
    expect(detect(ctx, markerOf(9))).toEqual(['Marker.9']);
  });

  test('a missing folder is unreachable with an event; a refused package is reported as refused', async () => {
    const { ctx, events } = await openContext(state, [pub.trusted]);
    const missing = join(root, 'no-such-folder');
    expect(await checkForUpdates({ ...ctx, source: missing })).toMatchObject({ result: 'unreachable', reason: `${missing}: folder not found`, activeSequence: 0 });
    expect(events.at(-1)).toMatchObject({ name: 'unable to access definition directory' });
    const stranger = await makePublisher(root, `stranger-${Date.now()}`);
    const dir = await folderWith(`foreign-${Date.now()}`, [await stranger.full(4)]);
    const refused = await checkForUpdates({ ...ctx, source: dir });
    expect(refused).toMatchObject({ result: 'refused', sequence: 4, reason: `signed by an untrusted key ${stranger.trusted.keyId}`, activeSequence: 0 });
    expect(events.at(-1)).toMatchObject({ name: 'definitions refused' });
    expect(await readLastCheck(ctx.store)).toMatchObject({ result: 'refused' });
  });

  test('a rolled-back sequence is not installed again automatically', async () => {
    const { ctx } = await openContext(state, [pub.trusted]);
    const one = await pub.full(1);
    const two = await pub.full(2);
    const dir = await folderWith(`rb-${Date.now()}`, [one, two]);
    await installDefinitions(one, ctx);
    await installDefinitions(two, ctx);
    expect(await rollbackDefinitions(ctx)).toMatchObject({ rolledBack: true, sequence: 1 });
    const check = await checkForUpdates({ ...ctx, source: dir });
    expect(check).toMatchObject({ result: 'up-to-date', activeSequence: 1, reason: expect.stringContaining('sequence 2 was rolled back from') });
    expect(detect(ctx, markerOf(1))).toEqual(['Marker.1']);
  });
});

describe('URL source', () => {
  let server: Server;
  let base: string;
  const routes = new Map<string, (req: IncomingMessage, res: ServerResponse) => void>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      const route = routes.get(req.url ?? '');
      if (route) route(req, res);
      else {
        res.writeHead(404, 'Not Found');
        res.end('no');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => routes.clear());

  function serve(path: string, body: string | Buffer, type = 'application/octet-stream'): void {
    routes.set(path, (_req, res) => {
      res.writeHead(200, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  }

  test('installs the newest package the index lists, then is up to date', async () => {
    const { ctx } = await openContext(state, [pub.trusted]);
    serve('/feed/index.json', JSON.stringify({ packages: [{ file: 'defs-3.epqdefs', sequence: 3, kind: 'full' }, { file: 'pk/defs-3-4.epqdefs', sequence: 4, kind: 'incremental', baseSequence: 3 }] }));
    serve('/feed/defs-3.epqdefs', await readFile(await pub.full(3)));
    serve('/feed/pk/defs-3-4.epqdefs', await readFile(await pub.incremental(3, 4)));
    const result = await checkForUpdates({ ...ctx, source: `${base}/feed/` });
    expect(result).toMatchObject({ result: 'installed', sequence: 4, packages: [`${base}/feed/defs-3.epqdefs`, `${base}/feed/pk/defs-3-4.epqdefs`] });
    expect(detect(ctx, markerOf(4))).toEqual(['Marker.4']);
    expect(await checkForUpdates({ ...ctx, source: `${base}/feed` })).toMatchObject({ result: 'up-to-date', sequence: 4 });
  });

  test('a 404 index is unreachable, naming the URL, with an "unable to connect" event', async () => {
    const { ctx, events } = await openContext(state, [pub.trusted]);
    const result = await checkForUpdates({ ...ctx, source: `${base}/nothing` });
    expect(result).toMatchObject({ result: 'unreachable', reason: `${base}/nothing/index.json: HTTP 404 Not Found`, activeSequence: 0 });
    expect(events).toEqual([expect.objectContaining({ name: 'unable to connect', data: expect.objectContaining({ url: `${base}/nothing/index.json` }) })]);
    expect(await readLastCheck(ctx.store)).toMatchObject({ result: 'unreachable', source: `${base}/nothing` });
  });

  test('a closed port is unreachable: unable to connect (connection refused)', async () => {
    const { ctx } = await openContext(state, [pub.trusted]);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await checkForUpdates({ ...ctx, source: `http://127.0.0.1:${port}` })).toMatchObject({
      result: 'unreachable', reason: `http://127.0.0.1:${port}/index.json: unable to connect (connection refused)`,
    });
  });

  test('a garbage index, or a lying index, is refused with the reason', async () => {
    const { ctx, events } = await openContext(state, [pub.trusted]);
    serve('/junk/index.json', '<html>hello</html>', 'text/html');
    const junk = await checkForUpdates({ ...ctx, source: `${base}/junk` });
    expect(junk).toMatchObject({ result: 'refused', reason: expect.stringMatching(/^index is not valid JSON/) });
    expect(events.at(-1)).toMatchObject({ name: 'definitions refused', data: { package: `${base}/junk/index.json` } });

    serve('/shape/index.json', JSON.stringify({ packages: [{ file: '../etc/passwd', sequence: 2, kind: 'full' }] }));
    expect(await checkForUpdates({ ...ctx, source: `${base}/shape` })).toMatchObject({ result: 'refused', reason: 'index: packages[0].file must be a relative path without ".." (got "../etc/passwd")' });

    serve('/lie/index.json', JSON.stringify({ packages: [{ file: 'p.epqdefs', sequence: 9, kind: 'full' }] }));
    serve('/lie/p.epqdefs', await readFile(await pub.full(2)));
    expect(await checkForUpdates({ ...ctx, source: `${base}/lie` })).toMatchObject({ result: 'refused', sequence: 9, reason: 'the source lists it as full sequence 9 but the package is full sequence 2' });

    serve('/badpkg/index.json', JSON.stringify({ packages: [{ file: 'p.epqdefs', sequence: 9, kind: 'full' }] }));
    serve('/badpkg/p.epqdefs', 'garbage bytes');
    expect(await checkForUpdates({ ...ctx, source: `${base}/badpkg` })).toMatchObject({ result: 'refused', reason: expect.stringMatching(/^not an epq definitions package/) });

    serve('/nopkg/index.json', JSON.stringify({ packages: [{ file: 'gone.epqdefs', sequence: 9, kind: 'full' }] }));
    expect(await checkForUpdates({ ...ctx, source: `${base}/nopkg` })).toMatchObject({ result: 'unreachable', reason: `${base}/nopkg/gone.epqdefs: HTTP 404 Not Found` });
    expect(ctx.definitions.current().sequence).toBe(0);
  });

  test('a server that never answers times out with a clear reason', async () => {
    const { ctx } = await openContext(state, [pub.trusted]);
    routes.set('/slow/index.json', () => {
      // Never answer.
    });
    const started = Date.now();
    const result = await checkForUpdates({ ...ctx, source: `${base}/slow`, timeoutMs: 300 });
    expect(result).toMatchObject({ result: 'unreachable', reason: `${base}/slow/index.json: no complete answer within 300 ms (timed out)` });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  test('polling checks on an interval until stopped', async () => {
    const { ctx } = await openContext(state, [pub.trusted]);
    serve('/poll/index.json', JSON.stringify({ packages: [] }));
    const results: CheckResult[] = [];
    const poller = startUpdatePolling(40, { ...ctx, source: `${base}/poll` }, { runNow: true, onResult: (r) => results.push(r) });
    for (let i = 0; i < 100 && results.length < 1; i++) await new Promise((r) => setTimeout(r, 20));
    serve('/poll/index.json', JSON.stringify({ packages: [{ file: 'd.epqdefs', sequence: 6, kind: 'full' }] }));
    serve('/poll/d.epqdefs', await readFile(await pub.full(6)));
    for (let i = 0; i < 200 && ctx.definitions.current().sequence !== 6; i++) await new Promise((r) => setTimeout(r, 20));
    await poller.stop();
    const count = results.length;
    expect(results[0]).toMatchObject({ result: 'up-to-date' });
    expect(results.map((r) => r.result)).toContain('installed');
    expect(ctx.definitions.current().sequence).toBe(6);
    await new Promise((r) => setTimeout(r, 150));
    expect(results.length).toBe(count);
    expect(() => startUpdatePolling(0, { ...ctx, source: base })).toThrow(RangeError);
  });
});
