import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { eicarBytes } from '../helpers/eicar.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxSession } from './tmux-session.js';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

describe('epq tray in a real terminal (tmux)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let state: string;
  let root: string;
  let env: NodeJS.ProcessEnv;
  let session: TmuxSession | undefined;

  /** `epq ARGS` on the test's state folder and fake root, isolated from any installed config. */
  const epq = (...args: string[]) => runCli([...args, '--state-dir', state, '--root', root], { env });

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-tray-'));
    state = join(dir, 'state');
    root = join(dir, 'root');
    await mkdir(join(root, 'data'), { recursive: true });
    await writeFile(join(dir, 'empty-config.json'), '{}\n');
    env = { ...process.env, EPQ_CONFIG: join(dir, 'empty-config.json') };
    // Two different files (the EICAR string plus a distinct tail), so each has its own hash.
    await writeFile(join(root, 'data', 'first.com'), Buffer.concat([eicarBytes(), Buffer.from('1')]));
    await writeFile(join(root, 'data', 'second.com'), Buffer.concat([eicarBytes(), Buffer.from('2')]));
    const scan = await epq('scan', '--action', 'quarantine', join(root, 'data'));
    expect(scan.stdout).toMatch(/first\.com: quarantined as/);
    expect(scan.stdout).toMatch(/second\.com: quarantined as/);
    expect(existsSync(join(root, 'data', 'first.com'))).toBe(false);
  });

  afterEach(() => session?.kill());
  afterAll(() => cleanup());

  it('refuses without a terminal, exit 2', async () => {
    const r = await epq('tray');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('needs an interactive terminal');
    expect(r.stdout).toBe('');
  });

  it('selects an item with j and space, restores it with r then y, follows outside changes, quits with q', async () => {
    expect(hasTmux()).toBe(true); // CI must install tmux: apt-get install -y tmux
    const exitFile = join(dir, 'tray-exit');
    const command = ['env', `EPQ_CONFIG=${shellQuote(env.EPQ_CONFIG!)}`, shellQuote(process.execPath), 'bin/epq.js', 'tray',
      '--state-dir', shellQuote(state), '--root', shellQuote(root)].join(' ');
    session = new TmuxSession(`${command}; echo $? > ${shellQuote(exitFile)}`, { cwd: REPO_ROOT });
    await session.waitForText('2 item(s) in quarantine');
    await session.waitForText('Agent:              not running');

    // The second row, whichever file it is, is the one to restore.
    session.keys('j', 'Space');
    await session.waitForText(/^> \[x\] (first|second)\.com/m);
    const chosen = /^> \[x\] (first|second)\.com/m.exec(session.screen())![1]!;
    const other = chosen === 'first' ? 'second' : 'first';
    session.keys('r');
    await session.waitForText('Are you sure you want to restore the selected files? (y/n)');
    expect(existsSync(join(root, 'data', `${chosen}.com`))).toBe(false);
    session.keys('y');
    await session.waitFor('the restored file', () => existsSync(join(root, 'data', `${chosen}.com`)));
    expect(await readFile(join(root, 'data', `${chosen}.com`))).toEqual(Buffer.concat([eicarBytes(), Buffer.from(chosen === 'first' ? '1' : '2')]));
    expect(existsSync(join(root, 'data', `${other}.com`))).toBe(false);
    await session.waitForText('1 item(s) in quarantine');
    await session.waitForText(`Restored 1 file(s)`);

    // Another process empties the quarantine: the view follows within its poll.
    const list = JSON.parse((await epq('quarantine', 'list', '--json')).stdout) as { id: string }[];
    expect(list).toHaveLength(1);
    expect((await epq('quarantine', 'delete', '--yes', list[0]!.id)).code).toBe(0);
    await session.waitForText('The quarantine is empty.');

    session.keys('q');
    await session.waitFor('the tray to exit', () => existsSync(exitFile));
    expect((await readFile(exitFile, 'utf8')).trim()).toBe('0');
  });
});
