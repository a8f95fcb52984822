import { spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const hasShell = (name: string): boolean => spawnSync(name, ['-c', 'true']).status === 0;

describe('epq demo eicar', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir());
  });

  afterAll(() => cleanup());

  it('writes the EICAR test file, which epq scan detects', async () => {
    const path = join(dir, 'eicar.com');
    const r = await runCli(['demo', 'eicar', path]);
    expect(r.code).toBe(0);
    expect(await readFile(path)).toEqual(eicarBytes());
    const scan = await runCli(['scan', path, '--state-dir', join(dir, 'state')]);
    expect(scan.code).toBe(1);
    expect(scan.stdout).toContain(`${path}: Eicar-Test-Signature.HDB FOUND`);
  });

  it('never overwrites a file', async () => {
    const path = join(dir, 'precious.txt');
    await writeFile(path, 'keep me');
    const r = await runCli(['demo', 'eicar', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exists already; not overwriting it');
    expect(await readFile(path, 'utf8')).toBe('keep me');
  });

  it("the README's first-run line writes a detected file in bash, sh and zsh", async () => {
    const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /### First run[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const line = block.split('\n').find((l) => l.includes('demo eicar'));
    expect(line).toBeDefined();
    const shells = ['bash', 'sh', 'zsh'].filter(hasShell);
    expect(shells).toEqual(expect.arrayContaining(['bash', 'sh']));
    for (const shell of shells) {
      const home = join(dir, `home-${shell}`);
      await mkdir(join(home, 'epq-protected'), { recursive: true });
      const command = line!.replace(/^npx epq /, `${JSON.stringify(process.execPath)} ${JSON.stringify(join(REPO_ROOT, 'bin/epq.js'))} `);
      const r = spawnSync(shell, ['-c', command], { env: { ...process.env, HOME: home }, encoding: 'utf8' });
      expect({ shell, status: r.status, stderr: r.stderr }).toEqual({ shell, status: 0, stderr: '' });
      expect(await readFile(join(home, 'epq-protected', 'eicar.com'))).toEqual(eicarBytes());
    }
  });

  it('no committed file holds the EICAR string', () => {
    const r = spawnSync('git', ['grep', '-l', '-F', eicarBytes().toString('latin1')], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1); // git grep: 1 = nothing found
  });
});
