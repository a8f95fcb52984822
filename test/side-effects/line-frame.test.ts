import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { findSideEffects, removeSideEffects, restoreSideEffects, type LineSideEffect } from '../../agent/side-effects/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const TEXT = 'SHELL=/bin/sh\r\n/opt/y.bin &\r\n\r\n/opt/x.bin --last';

/** The lines of `program` in the crontab, found now. */
async function linesOf(root: string, program: string): Promise<LineSideEffect[]> {
  const { effects } = await findSideEffects({ root, detectedPath: program, companions: [] });
  return effects.filter((e): e is LineSideEffect => e.kind === 'line');
}

describe('lines of items removed and restored at different times', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir: root, cleanup } = await makeTempDir('epq-frame-'));
    await mkdir(join(root, 'etc/profile.d'), { recursive: true });
    await writeFile(join(root, 'etc/profile.d/app.sh'), TEXT);
  });
  afterEach(() => cleanup());
  const text = (): Promise<string> => readFile(join(root, 'etc/profile.d/app.sh'), 'utf8');

  it.each([
    ['x then y out, x then y back', ['x', 'y'], ['x', 'y']],
    ['x then y out, y then x back', ['x', 'y'], ['y', 'x']],
    ['y then x out, x then y back', ['y', 'x'], ['x', 'y']],
    ['y then x out, y then x back', ['y', 'x'], ['y', 'x']],
  ])('%s: CRLF, order and the unterminated last line come back exactly', async (_, out, back) => {
    const removed = new Map<string, LineSideEffect[]>();
    const held = (): LineSideEffect[] => [...removed.values()].flat();
    for (const who of out) {
      const found = await linesOf(root, `/opt/${who}.bin`);
      const results = await removeSideEffects(root, found, held());
      expect(results.map((r) => r.status)).toEqual(['removed']);
      removed.set(who, results.map((r) => r.effect as LineSideEffect));
    }
    expect(await text()).toBe('SHELL=/bin/sh\r\n\r\n');
    for (const who of back) {
      const mine = removed.get(who)!;
      removed.delete(who);
      const results = await restoreSideEffects(root, mine, new Map(), held());
      expect(results.map((r) => [r.placement, 'fallback' in r ? r.fallback : undefined])).toEqual([['in-place', undefined]]);
    }
    expect(await text()).toBe(TEXT);
  });

  it('lines added at the end while two items are held: both go back at their places, the new line stays last, and the result says the file changed', async () => {
    await writeFile(join(root, 'etc/profile.d/app.sh'), 'SHELL=/bin/sh\n/opt/y.bin &\nPATH=/usr/bin\n/opt/x.bin --last\n');
    const y = (await removeSideEffects(root, await linesOf(root, '/opt/y.bin'), [])).map((r) => r.effect as LineSideEffect);
    const x = (await removeSideEffects(root, await linesOf(root, '/opt/x.bin'), y)).map((r) => r.effect as LineSideEffect);
    expect(await text()).toBe('SHELL=/bin/sh\nPATH=/usr/bin\n');
    await writeFile(join(root, 'etc/profile.d/app.sh'), 'SHELL=/bin/sh\nPATH=/usr/bin\nexport ADDED=1\n');
    const first = await restoreSideEffects(root, x, new Map(), y);
    expect(first.map((r) => r.placement)).toEqual(['in-place']);
    expect('fallback' in first[0]! ? first[0].fallback : undefined).toMatch(/1 line\(s\) added at its end/);
    await restoreSideEffects(root, y, new Map(), []);
    expect(await text()).toBe('SHELL=/bin/sh\n/opt/y.bin &\nPATH=/usr/bin\n/opt/x.bin --last\nexport ADDED=1\n');
  });
});
