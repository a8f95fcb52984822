import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadCommandConfig, openQuarantine } from '../../agent/cli/agent-context.js';
import { connectEndpoint } from '../../agent/control/connect-endpoint.js';
import { runTrayAction } from '../../agent/tray/tray-actions.js';
import { eicarBytes } from '../helpers/eicar.js';
import { REPO_ROOT, runCli } from '../helpers/run-cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { hasTmux, TmuxSession } from './tmux-session.js';

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

const HOSTILE = [
  '\x1b[2J\x1b[Hclear-screen.com',
  '\x1b]0;owned\x07title.com',
  'new\nline.com',
  'bell\x07.com',
  `${'漢'.repeat(81)}.com`,
  '👩‍👩‍👧 family.com',
  'plain.com',
];

/** The tray at the sizes people use, on names an attacker chose (tmux gives a real terminal). */
describe('epq tray at 80x24 and 200x50 (tmux)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let state: string;
  let root: string;
  let env: NodeJS.ProcessEnv;
  let session: TmuxSession | undefined;

  beforeAll(async () => {
    ({ dir, cleanup } = await makeTempDir('epq-tray-sizes-'));
    state = join(dir, 'state');
    root = join(dir, 'root');
    await mkdir(join(root, 'data'), { recursive: true });
    await writeFile(join(dir, 'empty-config.json'), '{}\n');
    env = { ...process.env, EPQ_CONFIG: join(dir, 'empty-config.json') };
    for (const [i, name] of HOSTILE.entries()) await writeFile(join(root, 'data', name), Buffer.concat([eicarBytes(), Buffer.from(String(i))]));
    const scan = await runCli(['scan', '--action', 'quarantine', join(root, 'data'), '--state-dir', state, '--root', root], { env });
    expect(scan.stdout.match(/quarantined as/g)).toHaveLength(HOSTILE.length);
  });
  afterEach(() => session?.kill());
  afterAll(() => cleanup());

  const open = async (columns: number, rows: number): Promise<TmuxSession> => {
    expect(hasTmux()).toBe(true); // CI must install tmux: apt-get install -y tmux
    const command = ['env', `EPQ_CONFIG=${shellQuote(env.EPQ_CONFIG!)}`, shellQuote(process.execPath), 'bin/epq.js', 'tray',
      '--state-dir', shellQuote(state), '--root', shellQuote(root)].join(' ');
    const s = new TmuxSession(command, { cwd: REPO_ROOT, columns, rows });
    await s.waitForText(`${HOSTILE.length} item(s) in quarantine`);
    return s;
  };
  const lines = (s: TmuxSession): string[] => s.screen().replace(/\n$/, '').split('\n');

  it('at 80x24: name, date, state and virus; escaped names; the header stays on top; u and q in the legend', async () => {
    session = await open(80, 24);
    const screen = lines(session);
    expect(screen).toHaveLength(24);
    expect(screen[0]).toMatch(/^epq tray {2}\| {2}7 item\(s\) in quarantine/); // no name pushed it off or cleared it
    const header = screen.find((l) => l.includes('File name'))!;
    expect(header.trim().split(/\s{2,}/)).toEqual(['File name', 'Date quarantined', 'State', 'Virus']);
    expect(screen.join('\n')).toContain('\\x1b[2J\\x1b[Hclear-screen.com');
    expect(screen.join('\n')).toContain('new\\nline.com');
    // The name column is the widest one.
    const nameWidth = header.indexOf('Date quarantined') - header.indexOf('File name');
    expect(nameWidth).toBeGreaterThan(header.indexOf('Virus') - header.indexOf('State'));
    expect(nameWidth).toBeGreaterThan(24);
    expect(screen[23]).toContain('u update');
    expect(screen[23]).toContain('q quit');

    // Filter by name, then sort: "n of N" in the title.
    session.keys('/', 'c', 'l', 'e', 'a', 'r');
    await session.waitForText('1 of 7 item(s) shown');
    session.keys('Enter', 's');
    await session.waitForText('sorted by name, filter "clear"');
    session.keys('Escape');
    await session.waitForText(/7 item\(s\) in quarantine, at \d of 7, sorted by name/);

    // The details of the long CJK name wrap and scroll: nothing is cut away.
    session.keys('/', '漢', 'Enter', 'Enter');
    await session.waitForText('Original path');
    await session.waitForText(/lines 1-\d+ of \d+/);
    session.keys('G');
    await session.waitForText('Errors                none');
    session.keys('q');
    await session.waitForText('File name');
    session.keys('q');
    await session.waitFor('the tray to exit', () => !session!.alive());
  });

  it('at 200x50: every column of the guide', async () => {
    session = await open(200, 50);
    const screen = lines(session);
    expect(screen).toHaveLength(50);
    const header = screen.find((l) => l.includes('File name'))!;
    expect(header.trim().split(/\s{2,}/)).toEqual(['File name', 'User', 'Computer', 'Date quarantined', 'Status', 'State', 'Virus', 'Defs', 'Errors']);
    expect(screen[49]).toContain('/ filter  s sort');
    expect(screen[49]).toContain('u update  q quit');
    session.keys('q');
    await session.waitFor('the tray to exit', () => !session!.alive());
  });

  it('a batch action reports its count (one batch through the endpoint: counted when done)', async () => {
    const config = await loadCommandConfig({ 'state-dir': state, root, config: env.EPQ_CONFIG });
    // The ids are read first: the store is then closed, so the endpoint can take the lock.
    const ctx = await openQuarantine(config, { kind: 'command' });
    // The 247-byte name is left out: its export name (NAME.ID.quarantined) passes 255 bytes, a
    // defect of exportItem reported separately (ENAMETOOLONG).
    const ids = ctx.store.records.held().filter((i) => !i.fileName.startsWith('漢')).map((i) => i.id);
    ctx.close();
    const endpoint = await connectEndpoint(config);
    try {
      const seen: string[] = [];
      const out = join(dir, 'exported');
      await mkdir(out);
      const message = await runTrayAction(endpoint, { kind: 'export', ids, dir: out }, (done, total) => seen.push(`${done}/${total}`));
      expect(message).toEqual({ text: expect.stringMatching(/^Exported 6 file\(s\)/) as unknown, error: false });
      expect(seen).toEqual([`${ids.length}/${ids.length}`]);
    } finally {
      endpoint.close();
    }
  });
});
