/** rollbackDefinitions on a real store. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installDefinitions } from '../../agent/updates/install-definitions.js';
import { rollbackDefinitions } from '../../agent/updates/rollback-definitions.js';
import { detect, eventNames, makePublisher, markerOf, openContext, removeDir, tempDir, type Publisher, usePublisherFixture } from './helpers.js';

let root: string;
let pub: Publisher;
let state: string;

usePublisherFixture((fx) => ({ root, pub, state } = fx));

test('rollback goes to the previous kept set, step by step, until there is none', async () => {
  const { ctx, events } = await openContext(state, [pub.trusted]);
  for (const n of [1, 2, 3]) await installDefinitions(await pub.full(n), ctx);
  const changes: number[] = [];
  ctx.definitions.onChange((c) => {
    changes.push(c.current.sequence);
  });
  events.length = 0;

  expect(await rollbackDefinitions(ctx)).toMatchObject({ rolledBack: true, from: 3, sequence: 2 });
  expect(detect(ctx, markerOf(2))).toEqual(['Marker.2']);
  expect(detect(ctx, markerOf(3))).toEqual([]);
  expect(events).toEqual([expect.objectContaining({ name: 'definitions rolled back', message: 'Definitions rolled back from sequence 3 to 2', data: { from: 3, to: 2, automatic: false } })]);
  const pointer = JSON.parse(await readFile(join(state, 'definitions', 'active.json'), 'utf8')) as { sequence: number; reason: string; rolledBack: number[] };
  expect(pointer).toMatchObject({ sequence: 2, reason: 'rollback', rolledBack: [3] });
  expect((await readdir(join(state, 'definitions'))).filter((f) => f.endsWith('.epqset')).sort()).toEqual(['defs-1.epqset', 'defs-2.epqset']);
  expect((await openContext(state, [pub.trusted])).ctx.definitions.current().sequence).toBe(2);

  expect(await rollbackDefinitions(ctx)).toMatchObject({ rolledBack: true, from: 2, sequence: 1 });
  expect(await rollbackDefinitions(ctx)).toEqual({ rolledBack: false, activeSequence: 1, reason: 'no earlier kept definitions set to roll back to from sequence 1' });
  expect(ctx.definitions.current().sequence).toBe(1);
  expect(changes).toEqual([2, 1]);
  expect(eventNames(events)).toEqual(['definitions rolled back', 'definitions rolled back']);

  // A manual install of a rolled-back sequence is allowed and clears it from the list.
  expect(await installDefinitions(await pub.full(3), ctx)).toMatchObject({ installed: true, sequence: 3 });
  expect(JSON.parse(await readFile(join(state, 'definitions', 'active.json'), 'utf8'))).toMatchObject({ sequence: 3, rolledBack: [2] });
});

test('rollback is refused on the built-in set, and skips a kept set that no longer verifies', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  expect(await rollbackDefinitions(ctx)).toMatchObject({ rolledBack: false, reason: 'the built-in definitions are active; there is no earlier set to roll back to' });
  for (const n of [1, 2, 3]) await installDefinitions(await pub.full(n), ctx);
  const two = join(state, 'definitions', 'defs-2.epqset');
  const bytes = await readFile(two);
  bytes[bytes.length - 2] ^= 1;
  await writeFile(two, bytes);
  expect(await rollbackDefinitions(ctx)).toMatchObject({ rolledBack: true, from: 3, sequence: 1 });
  expect(detect(ctx, markerOf(1))).toEqual(['Marker.1']);
});
