import { stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { findSideEffects, removeSideEffects, restoreSideEffects, splitFoundSideEffects } from '../../agent/side-effects/index.js';
import { nextEditMtimeMs } from '../../agent/side-effects/line-file.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { writeFakeFiles } from './fake-system.js';

test('an edit always moves the mtime to another whole second, the one cron compares', () => {
  expect(nextEditMtimeMs(1_000_000_400, 1_000_000_900)).toBe(1_000_001_000);
  expect(nextEditMtimeMs(1_000_000_000, 1_000_000_000)).toBe(1_000_001_000);
  expect(nextEditMtimeMs(1_000_000_400, 1_000_005_123)).toBe(1_000_005_123);
  // A file stamped in the future: any other second is a change for cron.
  expect(nextEditMtimeMs(2_000_000_000, 1_000_000_000)).toBe(1_000_000_000);
});

test('a crontab edited within the second it was written still changes its mtime second, on removal and on restore', async () => {
  const { dir: root, cleanup } = await makeTempDir('epq-mtime-');
  try {
    await writeFakeFiles(root, { '/etc/crontab': { content: 'SHELL=/bin/sh\n* * * * * root /opt/x.bin\n' }, '/opt/x.bin': { content: 'x' } });
    const crontab = join(root, 'etc/crontab');
    const { effects, contents } = splitFoundSideEffects((await findSideEffects({ root, detectedPath: '/opt/x.bin', companions: [] })).effects);
    const now = new Date();
    await utimes(crontab, now, now);
    const second = async (): Promise<number> => Math.floor((await stat(crontab)).mtimeMs / 1000);
    const before = await second();
    const removed = await removeSideEffects(root, effects);
    expect(removed.map((r) => r.status)).toEqual(['removed']);
    const afterRemove = await second();
    expect(afterRemove).not.toBe(before);
    await restoreSideEffects(root, removed.map((r) => r.effect), contents);
    expect(await second()).not.toBe(afterRemove);
  } finally {
    await cleanup();
  }
});
