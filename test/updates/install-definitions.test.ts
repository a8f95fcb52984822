/**
 * installDefinitions: real packages built with the real tools, a real store in a temp folder.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installDefinitions } from '../../agent/updates/install-definitions.js';
import type { DefinitionsChange } from '../../agent/updates/active-definitions.js';
import { detect, eicar, eventNames, makePublisher, markerOf, openContext, removeDir, setSources, tempDir, type Publisher, usePublisherFixture } from './helpers.js';

let root: string;
let pub: Publisher;
let state: string;

usePublisherFixture((fx) => ({ root, pub, state } = fx));

test('a fresh store runs the built-in set; full N then N+1 install, switch the engine and report', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  expect(ctx.definitions.current()).toMatchObject({ sequence: 0, certified: true, pointerId: null });
  expect(detect(ctx, eicar()).length).toBeGreaterThan(0);
  const changes: DefinitionsChange[] = [];
  ctx.definitions.onChange((c) => {
    changes.push(c);
  });

  const first = await installDefinitions(await pub.full(5), ctx);
  expect(first).toMatchObject({ installed: true, sequence: 5, certified: true, previousSequence: 0, created: '2025-06-06T00:00:00.000Z' });
  expect(detect(ctx, markerOf(5))).toEqual(['Marker.5']);
  expect(eventNames(events)).toEqual(['new certified definitions arrived', 'definitions installed']);

  const second = await installDefinitions(await pub.full(6, { certified: false }), ctx);
  expect(second).toMatchObject({ installed: true, sequence: 6, certified: false, previousSequence: 5 });
  expect(detect(ctx, markerOf(6))).toEqual(['Marker.6']);
  expect(detect(ctx, markerOf(5))).toEqual([]);
  expect(eventNames(events).slice(2)).toEqual(['new non-certified definitions arrived', 'definitions installed']);
  expect(events[3]!.data).toMatchObject({ sequence: 6, previous: 5 });
  expect(changes.map((c) => [c.previous.sequence, c.current.sequence, c.reason])).toEqual([[0, 5, 'install'], [5, 6, 'install']]);

  // The store says the same to a process that opens it afresh.
  const pointer = JSON.parse(await readFile(join(state, 'definitions', 'active.json'), 'utf8')) as { sequence: number; file: string };
  expect(pointer).toMatchObject({ sequence: 6, file: 'defs-6.epqset' });
  const reopened = await openContext(state, [pub.trusted]);
  expect(reopened.ctx.definitions.current().sequence).toBe(6);
  expect(detect(reopened.ctx, markerOf(6))).toEqual(['Marker.6']);
});

test('a lower or equal sequence is refused, as data and an event, and the old set keeps scanning', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(7), ctx);
  const engineBefore = ctx.definitions.current().engine;
  events.length = 0;
  const lower = await pub.full(5);
  expect(await installDefinitions(lower, ctx)).toEqual({ installed: false, package: lower, reason: 'sequence 5 is not newer than the active 7', activeSequence: 7 });
  const equal = await pub.full(7, { out: join(root, 'again-7.epqdefs') });
  expect(await installDefinitions(equal, ctx)).toMatchObject({ installed: false, reason: 'sequence 7 is not newer than the active 7' });
  expect(eventNames(events)).toEqual(['definitions refused', 'definitions refused']);
  expect(events[0]!.message).toContain(lower);
  expect(events[0]!.data).toMatchObject({ package: lower, reason: 'sequence 5 is not newer than the active 7' });
  expect(ctx.definitions.current().engine).toBe(engineBefore);
  expect(detect(ctx, markerOf(7))).toEqual(['Marker.7']);
  expect((await readdir(join(state, 'definitions'))).filter((f) => f.endsWith('.epqset'))).toEqual(['defs-7.epqset']);
});

test('a tampered package and one signed by an untrusted key are refused; nothing changes', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(3), ctx);
  const pointerBefore = await readFile(join(state, 'definitions', 'active.json'), 'utf8');

  const good = await readFile(await pub.full(4));
  const tampered = Buffer.from(good);
  const at = tampered.indexOf(markerOf(4).toString('hex'));
  tampered[at] = tampered[at] === 0x34 ? 0x35 : 0x34;
  const tamperedFile = join(root, 'tampered-4.epqdefs');
  await writeFile(tamperedFile, tampered);
  expect(await installDefinitions(tamperedFile, ctx)).toMatchObject({ installed: false, reason: 'file marker-4.ndb: SHA-256 does not match the manifest (content altered)' });

  const stranger = await makePublisher(root, 'stranger');
  const foreign = await stranger.full(4);
  expect(await installDefinitions(foreign, ctx)).toMatchObject({ installed: false, package: foreign, reason: `signed by an untrusted key ${stranger.trusted.keyId}` });

  // Bytes under a name (as from a URL) are handled the same way.
  expect(await installDefinitions({ bytes: Buffer.from('not a package'), name: 'http://x/p' }, ctx)).toMatchObject({ installed: false, package: 'http://x/p', reason: expect.stringMatching(/^not an epq definitions package/) });

  expect(eventNames(events).filter((n) => n === 'definitions refused')).toHaveLength(3);
  expect(ctx.definitions.current().sequence).toBe(3);
  expect(await readFile(join(state, 'definitions', 'active.json'), 'utf8')).toBe(pointerBefore);
});

test('a set that does not detect EICAR is refused by the self-test', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  const files = setSources(8);
  delete files['eicar.hdb'];
  const noEicar = await pub.full(8, { files });
  expect(await installDefinitions(noEicar, ctx)).toMatchObject({ installed: false, reason: 'self-test failed: EICAR not detected', activeSequence: 0 });
  expect(ctx.definitions.current().sequence).toBe(0);
  expect((await readdir(join(state, 'definitions'))).filter((f) => f.endsWith('.epqset'))).toEqual([]);
});

test('an incremental N->N+1 is applied over the active set and checked', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(7), ctx);
  const inc = await pub.incremental(7, 8);
  const result = await installDefinitions(inc, ctx);
  expect(result).toMatchObject({ installed: true, sequence: 8, previousSequence: 7, packages: [inc] });
  expect(detect(ctx, markerOf(8))).toEqual(['Marker.8']);
  expect(detect(ctx, markerOf(7))).toEqual([]);
  expect(detect(ctx, Buffer.from('EPQ-COMMON-SIG'))).toEqual(['Common.Sig']);
  expect(eventNames(events).slice(-2)).toEqual(['new certified definitions arrived', 'definitions installed']);
  // The stored set is whole: a new process loads it without the packages.
  const reopened = await openContext(state, [pub.trusted]);
  expect(detect(reopened.ctx, markerOf(8))).toEqual(['Marker.8']);
  expect(detect(reopened.ctx, Buffer.from('EPQ-COMMON-SIG'))).toEqual(['Common.Sig']);
  // A chain installs in one go: 8->9->10.
  const chain = await installDefinitions([await pub.incremental(8, 9), await pub.incremental(9, 10)], ctx);
  expect(chain).toMatchObject({ installed: true, sequence: 10, previousSequence: 8 });
  expect(detect(ctx, markerOf(10))).toEqual(['Marker.10']);
});

test('an incremental package for another base is refused, naming both sequences', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(6), ctx);
  const inc = await pub.incremental(7, 9);
  expect(await installDefinitions(inc, ctx)).toEqual({ installed: false, package: inc, reason: 'incremental package 7->9 needs base 7, active is 6', activeSequence: 6 });
  expect(events.at(-1)).toMatchObject({ name: 'definitions refused', data: { package: inc, reason: 'incremental package 7->9 needs base 7, active is 6' } });
  expect(detect(ctx, markerOf(6))).toEqual(['Marker.6']);
});

test('an incremental package whose result does not hash as its manifest says is refused', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  // The active set 7 here is not the set 7 the package was built against (other common.ndb).
  const otherSeven = { ...setSources(7), 'common.ndb': `Common.Sig:0:*:${Buffer.from('EPQ-OTHER-COMMON').toString('hex')}\n` };
  await installDefinitions(await pub.full(7, { files: otherSeven, out: join(root, 'other-7.epqdefs') }), ctx);
  const inc = await pub.incremental(7, 8);
  const result = await installDefinitions(inc, ctx);
  expect(result).toMatchObject({ installed: false, package: inc, reason: 'result does not match the manifest: common.ndb (kept from base set 7) differs from the signed size and SHA-256 (not the base it was built against)' });
  expect(ctx.definitions.current().sequence).toBe(7);
  expect(detect(ctx, Buffer.from('EPQ-OTHER-COMMON'))).toEqual(['Common.Sig']);
});

test('scans in flight keep the engine they started with', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(2), ctx);
  const data = Buffer.concat([Buffer.alloc(100, 0x20), markerOf(2), Buffer.alloc(100, 0x20)]);
  const started = ctx.definitions.current();
  const session = started.engine.createScan(data.length, 64);
  session.update(data.subarray(0, 120));
  await installDefinitions(await pub.full(3), ctx);
  expect(ctx.definitions.current().sequence).toBe(3);
  session.update(data.subarray(120));
  expect(session.finish().detections.map((d) => d.signature)).toEqual(['Marker.2']);
  expect(detect(ctx, data)).toEqual([]);
});

test('no trusted key, or a missing file, is a refusal too', async () => {
  const { ctx } = await openContext(state, []);
  const pkg = await pub.full(4);
  expect(await installDefinitions(pkg, ctx)).toMatchObject({ installed: false, reason: 'no public key is trusted to sign definitions (definitions.trustedKeys)' });
  const trusting = await openContext(state, [pub.trusted]);
  expect(await installDefinitions(join(root, 'missing.epqdefs'), trusting.ctx)).toMatchObject({ installed: false, reason: 'package file not found' });
});
