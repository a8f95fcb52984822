import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { withEditLock } from '../../agent/quarantine/edit-lock.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const LOCK_MODULE = pathToFileURL(resolve('dist/agent/quarantine/edit-lock.js')).href;

/** Another process that takes the lock, says `locked`, and on a line on stdin writes `marker` and lets go. */
function holder(dir: string, marker: string): { child: ChildProcess; locked: Promise<void> } {
  const script = `
    import { withEditLock } from ${JSON.stringify(LOCK_MODULE)};
    import { writeFileSync } from 'node:fs';
    await withEditLock(${JSON.stringify(dir)}, async () => {
      process.stdout.write('locked\\n');
      await new Promise((r) => process.stdin.once('data', r));
      writeFileSync(${JSON.stringify(marker)}, 'done');
    });
    process.exit(0);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const locked = new Promise<void>((ok, fail) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && ok());
    child.once('exit', (code) => fail(new Error(`holder exited with ${code} before locking`)));
  });
  return { child, locked };
}

describe('the side-effect edit lock across processes', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir('epq-lock-')));
  afterEach(() => cleanup());

  it('waits for another process to finish its edits', async () => {
    const marker = join(dir, 'marker');
    const { child, locked } = holder(dir, marker);
    await locked;
    const mine = withEditLock(dir, async () => existsSync(marker));
    child.stdin!.write('go\n');
    // Our job can only start once the other process let go, after writing its marker.
    expect(await mine).toBe(true);
  }, 30_000);

  it('is released when the process holding it is killed', async () => {
    const { child, locked } = holder(dir, join(dir, 'never'));
    await locked;
    const mine = withEditLock(dir, async () => 'ran');
    child.kill('SIGKILL');
    expect(await mine).toBe('ran');
    expect(await withEditLock(dir, async () => 'again')).toBe('again');
  }, 30_000);
});
