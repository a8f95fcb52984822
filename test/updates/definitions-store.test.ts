/**
 * The on-disk store: pruning, the atomic pointer switch, loading with fallbacks, the lock,
 * following a switch made by another process. Real temp folders, real packages.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { installDefinitions } from '../../agent/updates/install-definitions.js';
import { DefinitionsStore } from '../../agent/updates/definitions-store.js';
import { followStore, syncWithStore } from '../../agent/updates/update-context.js';
import { detect, eventNames, makePublisher, markerOf, openContext, removeDir, tempDir, type Publisher, usePublisherFixture } from './helpers.js';

let root: string;
let pub: Publisher;
let state: string;

usePublisherFixture((fx) => ({ root, pub, state } = fx));

const storeDir = (): string => join(state, 'definitions');
async function setFiles(): Promise<string[]> {
  return (await readdir(storeDir())).filter((f) => f.endsWith('.epqset')).sort();
}

test('keep=2 keeps the active set and one before it, and deletes the older files', async () => {
  const { ctx } = await openContext(state, [pub.trusted], { keep: 2 });
  for (const n of [1, 2, 3, 4]) expect(await installDefinitions(await pub.full(n), ctx)).toMatchObject({ installed: true });
  expect(await setFiles()).toEqual(['defs-3.epqset', 'defs-4.epqset']);
  // The default keeps three.
  const wide = await openContext(state, [pub.trusted]);
  expect(wide.ctx.store.keep).toBe(3);
  for (const n of [5, 6]) await installDefinitions(await pub.full(n), wide.ctx);
  expect(await setFiles()).toEqual(['defs-4.epqset', 'defs-5.epqset', 'defs-6.epqset']);
  await expect(DefinitionsStore.open(state, { keep: 0 })).rejects.toThrow('definitions.keep must be a positive integer (got 0)');
});

test('a crash between storing the set and switching active.json leaves the old set active', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(1), ctx);
  const pointer = await readFile(join(storeDir(), 'active.json'), 'utf8');
  const crashing = await openContext(state, [pub.trusted], {
    beforeSwitch: () => {
      throw new Error('simulated crash');
    },
  });
  const result = await installDefinitions(await pub.full(2), crashing.ctx);
  expect(result).toMatchObject({ installed: false, reason: 'simulated crash' });
  // The new set file was written; the pointer was not touched; the running set is the old one.
  expect(await setFiles()).toEqual(['defs-1.epqset', 'defs-2.epqset']);
  expect(await readFile(join(storeDir(), 'active.json'), 'utf8')).toBe(pointer);
  expect(crashing.ctx.definitions.current().sequence).toBe(1);
  // A restart loads the old set.
  const restarted = await openContext(state, [pub.trusted]);
  expect(restarted.ctx.definitions.current().sequence).toBe(1);
  expect(detect(restarted.ctx, markerOf(1))).toEqual(['Marker.1']);
  // A half-written temp file from the crash is ignored, then cleaned away by the next install.
  await writeFile(join(storeDir(), '.defs-3.epqset.999.abcd.tmp'), 'partial');
  expect((await openContext(state, [pub.trusted])).ctx.definitions.current().sequence).toBe(1);
  expect(await installDefinitions(await pub.full(2), restarted.ctx)).toMatchObject({ installed: true, sequence: 2 });
  expect((await readdir(storeDir())).filter((f) => f.endsWith('.tmp'))).toEqual([]);
});

test('a crash before the first switch leaves the built-in set active', async () => {
  const crashing = await openContext(state, [pub.trusted], {
    beforeSwitch: () => {
      throw new Error('simulated crash');
    },
  });
  await installDefinitions(await pub.full(1), crashing.ctx);
  expect(await setFiles()).toEqual(['defs-1.epqset']);
  expect((await openContext(state, [pub.trusted])).ctx.definitions.current().sequence).toBe(0);
});

test('active.json is replaced whole (temp + rename): the old inode is never written to', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(1), ctx);
  const { stat } = await import('node:fs/promises');
  const before = await stat(join(storeDir(), 'active.json'));
  const beforeText = await readFile(join(storeDir(), 'active.json'), 'utf8');
  await installDefinitions(await pub.full(2), ctx);
  const after = await stat(join(storeDir(), 'active.json'));
  expect(after.ino).not.toBe(before.ino);
  expect(beforeText).toContain('"sequence": 1');
  expect(JSON.parse(await readFile(join(storeDir(), 'active.json'), 'utf8'))).toMatchObject({ format: 1, sequence: 2, file: 'defs-2.epqset', reason: 'install', rolledBack: [] });
});

test('when the active set fails to verify, the newest older kept set is loaded, with events', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  for (const n of [1, 2, 3]) await installDefinitions(await pub.full(n), ctx);
  const three = join(storeDir(), 'defs-3.epqset');
  const bytes = await readFile(three);
  bytes[bytes.length - 2] ^= 1;
  await writeFile(three, bytes);
  const { ctx: restarted, events } = await openContext(state, [pub.trusted]);
  expect(restarted.definitions.current().sequence).toBe(2);
  expect(eventNames(events)).toEqual(['definitions refused', 'definitions rolled back']);
  expect(events[0]!.message).toMatch(/^Stored active definitions sequence 3 refused: file marker-3\.ndb: SHA-256 does not match/);
  expect(events[1]).toMatchObject({ data: { from: 3, to: 2, automatic: true } });
  // The running set is 2, so installing 3 again is allowed and repairs the store.
  expect(await installDefinitions(await pub.full(3), restarted)).toMatchObject({ installed: true, sequence: 3, previousSequence: 2 });
});

test('when no kept set loads, the built-in set is used; an unreadable active.json falls back too', async () => {
  const { ctx } = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(1), ctx);
  const stranger = await makePublisher(root, `stranger-${Date.now()}`);
  const { ctx: wrongKeys, events } = await openContext(state, [stranger.trusted]);
  expect(wrongKeys.definitions.current().sequence).toBe(0);
  expect(eventNames(events)).toEqual(['definitions refused', 'definitions rolled back']);
  expect(events[1]!.message).toContain('using the built-in definitions (sequence 0)');

  await installDefinitions(await pub.full(2), ctx);
  await writeFile(join(storeDir(), 'active.json'), '{"format":1,"seq');
  const { ctx: garbled, events: garbledEvents } = await openContext(state, [pub.trusted]);
  expect(garbled.definitions.current().sequence).toBe(2);
  expect(garbledEvents[0]!.message).toMatch(/active\.json is unusable \(not valid JSON/);
});

test('the lock serializes writers and a lock left by a dead process is taken over', async () => {
  const store = await DefinitionsStore.open(state);
  const order: string[] = [];
  const slow = store.withLock(async () => {
    order.push('a-start');
    await new Promise((r) => setTimeout(r, 150));
    order.push('a-end');
  });
  await new Promise((r) => setTimeout(r, 20));
  const second = store.withLock(async () => {
    order.push('b');
  });
  await Promise.all([slow, second]);
  expect(order).toEqual(['a-start', 'a-end', 'b']);

  // A pid that no longer exists: a finished child process's.
  const child = spawn(process.execPath, ['-e', '0']);
  const deadPid = child.pid!;
  await new Promise((r) => child.on('exit', r));
  await writeFile(join(storeDir(), 'lock'), `${deadPid}\n`);
  await expect(store.withLock(async () => 'ran')).resolves.toBe('ran');

  // A live holder (this process) makes a short-timeout store give up with a clear reason.
  await writeFile(join(storeDir(), 'lock'), `${process.pid}\n`);
  const impatient = await DefinitionsStore.open(state, { lockTimeoutMs: 100 });
  await expect(impatient.withLock(async () => 'ran')).rejects.toThrow(`the definitions store is busy (locked by process ${process.pid})`);
});

test('another process switching the store is followed (poll of active.json)', async () => {
  const agent = await openContext(state, [pub.trusted]);
  const cli = await openContext(state, [pub.trusted]);
  await installDefinitions(await pub.full(4), cli.ctx);
  expect(agent.ctx.definitions.current().sequence).toBe(0);
  const follower = followStore(agent.ctx, 30);
  try {
    for (let i = 0; i < 100 && agent.ctx.definitions.current().sequence !== 4; i++) await new Promise((r) => setTimeout(r, 20));
  } finally {
    await follower.stop();
  }
  expect(agent.ctx.definitions.current().sequence).toBe(4);
  expect(detect(agent.ctx, markerOf(4))).toEqual(['Marker.4']);
  expect(agent.events.at(-1)).toMatchObject({ name: 'definitions installed', data: { sequence: 4, previous: 0, by: 'store' } });

  // The agent, still at 4 in memory, must not switch the store backwards after the CLI moved it to 6.
  await installDefinitions(await pub.full(6), cli.ctx);
  const stale = await installDefinitions(await pub.full(5), agent.ctx);
  expect(stale).toMatchObject({ installed: false, reason: 'sequence 5 is not newer than the active 6' });
  expect((await syncWithStore(agent.ctx)).sequence).toBe(6);
});
